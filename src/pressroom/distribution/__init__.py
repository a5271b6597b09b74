"""What leaves the editor's desk besides the editions: a print shop's package, an LMS's
cartridge and braille, each made from the collection through the engine."""
