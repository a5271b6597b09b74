"""Assembly: the collection through Jinja into Markdown chunks (openers, parts, appendices,
the timeline figure) and one Pandoc document of them."""
