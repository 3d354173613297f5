"""`smartgate exchange statistics` on a running demo server's database: yesterday's figures
by gate and direction, a day not over refused with one line."""


def test_yesterdays_statistics_are_printed_and_a_day_not_over_is_refused(server) -> None:
    sent = server.cli("exchange", "statistics")
    assert sent.returncode == 0, sent.stderr
    assert "huu-nghi" in sent.stdout and "export" in sent.stdout
    assert "no peer registered" in sent.stdout  # the demo has no peer: nothing is written
    early = server.cli("exchange", "statistics", "--date", "2099-01-01")
    assert early.returncode == 1
    assert "the day 2099-01-01 is not over yet on this side" in early.stderr
    bad = server.cli("exchange", "statistics", "--date", "2026-13-01")
    assert bad.returncode == 1 and "--date" in bad.stderr
