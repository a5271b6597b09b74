"""The print edition: the print HTML, its WeasyPrint layout and page map, the page-number
hints, PDF readings' pages drawn in, and booklet imposition."""
