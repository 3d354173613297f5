"""Server-rendered pages (Jinja2 + HTMX) in Vietnamese, Chinese and English."""
