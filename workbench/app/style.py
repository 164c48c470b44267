"""The app's look: the CSS theme ``theme.css`` beside this module, shipped in the page as a
``<style>`` element (the page loads no stylesheet of ours, so the theme needs no route)."""

from pathlib import Path

THEME = Path(__file__).with_name("theme.css")
STYLE = f"<style>\n{THEME.read_text(encoding='utf-8')}</style>"
