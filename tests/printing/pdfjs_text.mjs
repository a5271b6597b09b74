// The text pdf.js's find bar searches in a PDF: each page's text content, joined and
// normalised by the viewer's own PDFFindController (which joins a word hyphenated at a line
// end), pages separated by form feeds. Usage: node pdfjs_text.mjs PDFJS_DIR FILE.pdf
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pdfjsDir, file] = process.argv.slice(2);
const from = (p) => pathToFileURL(path.join(pdfjsDir, "node_modules", "pdfjs-dist", p)).href;
const pdfjsLib = await import(from("legacy/build/pdf.mjs"));
globalThis.pdfjsLib = pdfjsLib;
// The viewer module reads a few browser globals when it loads; it draws nothing here.
const element = () => ({ style: {}, classList: { add() {}, remove() {}, toggle() {} },
  append() {}, setAttribute() {}, addEventListener() {} });
globalThis.document = { documentElement: element(), createElement: element,
  addEventListener() {}, body: element() };
globalThis.window = globalThis;
globalThis.requestAnimationFrame = (f) => setTimeout(f, 0);
globalThis.navigator ??= { userAgent: "", language: "en" };
const { EventBus, PDFFindController } = await import(from("web/pdf_viewer.mjs"));

const doc = await pdfjsLib.getDocument({ data: new Uint8Array(fs.readFileSync(file)),
  verbosity: 0 }).promise;
const eventBus = new EventBus();
const linkService = { pagesCount: doc.numPages, page: 1, rotation: 0, goToPage() {},
  scrollPageIntoView() {} };
const finder = new PDFFindController({ linkService, eventBus });
finder.setDocument(doc);
// A search makes the controller extract and normalise every page.
eventBus.dispatch("find", { source: null, type: "", query: "x", caseSensitive: false,
  entireWord: false, highlightAll: true, findPrevious: false, matchDiacritics: false });
while (finder._extractTextPromises.length < doc.numPages) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
await Promise.all(finder._extractTextPromises);
// Exit once the text is written: a pipe takes it in parts, and pdf.js leaves timers behind.
process.stdout.write(finder._pageContents.join("\f"), () => process.exit(0));
