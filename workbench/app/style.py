"""The app's look: a few CSS rules, shipped in the page as a ``<style>`` element."""

STYLE = """
<style>
.wb-app { max-width: 1200px; }
.wb-header { font-size: 15px; padding: 6px 0 10px 0; }
.wb-muted { color: #777; }
.wb-section { font-weight: 600; margin: 12px 0 4px 0; }
.wb-library-row { border-bottom: 1px solid #eee; align-items: center; }
.wb-library-row.wb-selected { background: #e8eaf6; }
.wb-library-head { font-weight: 600; border-bottom: 2px solid #c5cae9; }
.wb-row-name button, .wb-row-name { text-align: left; }
.wb-cell { padding: 2px 6px; }
.wb-cell .widget-html-content, .wb-cell { line-height: 1.4; }
.wb-size { text-align: right; font-variant-numeric: tabular-nums; }
.wb-table { border-collapse: collapse; margin: 6px 0; }
.wb-table th, .wb-table td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
.wb-table td.wb-num, .wb-table th.wb-num { text-align: right; font-variant-numeric: tabular-nums; }
/* Text in the SVG was measured with the renderer's font; the browser's may be wider. */
.wb-chart svg { max-width: 100%; height: auto; overflow: visible; margin: 4px 12px 12px 12px; }
.wb-note { color: #555; font-size: 90%; }
</style>
"""
