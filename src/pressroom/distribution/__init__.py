"""What leaves the editor's desk besides the editions: a print shop's package and an LMS's
cartridge, each made from the collection through the engine."""
