"""The EPUB 3 edition: Pandoc writes it from the edition's document, we finish the package."""

#: The files of templates/ that the EPUB reads besides the assembled Markdown (which
#: carries the Markdown templates' output): the EPUB's cache key covers exactly these.
TEMPLATES = ("epub.css", "fonts.css.j2", "cover.html.j2", "epub-title-page.xhtml.j2")
