"""What leaves the editor's desk besides the editions: a print shop's package (and, in
time, an LMS's cartridge and braille), each made from the collection through the engine."""
