"""Registry: gate pairs, lanes, freight roads, yards, opening hours, permitted goods, HS codes."""
