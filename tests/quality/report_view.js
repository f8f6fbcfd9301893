// Run the script of an ibid HTML report under node with a minimal DOM, select two documents in
// the side-by-side view, and print what each side shows as JSON: for each side, the list of
// [text, highlighted] pieces. Usage: node report_view.js report.html ID_A ID_B
'use strict';
const fs = require('fs');
const [file, idA, idB] = process.argv.slice(2);
const html = fs.readFileSync(file, 'utf8');
const data = html.match(/<script type="application\/json" id="data">([\s\S]*?)<\/script>/)[1];
const code = html.match(/<script>\n([\s\S]*?)<\/script>/)[1];

class Node {
    constructor(tag, text) {
        this.tag = tag;
        this.children = [];
        this.text = text || '';
        this.dataset = {};
        this.classList = {add() {}, remove() {}};
        this.value = '';
    }
    appendChild(c) { this.children.push(c); return c; }
    set textContent(t) { this.children = []; this.text = t; }
    get textContent() { return this.text + this.children.map((c) => c.textContent).join(''); }
    scrollIntoView() {}
}
const byId = {};
for (const id of ['da', 'db', 'ta', 'tb', 'compare']) byId[id] = new Node('div');
byId.data = new Node('script', data);
global.document = {
    getElementById: (id) => byId[id],
    createElement: (tag) => new Node(tag),
    createTextNode: (t) => new Node('#text', t),
    querySelectorAll: () => [],
    querySelector: () => null,
};
new Function(code)();

const D = JSON.parse(data);
const slot = (id) => D.docs.findIndex((d) => d[0] === id);
if (slot(idA) < 0 || slot(idB) < 0) throw new Error('document not in the report');
byId.da.value = String(slot(idA));
byId.db.value = String(slot(idB));
byId.da.onchange();
const side = (el) => el.children.map((c) => [c.textContent, c.tag === 'mark']);
process.stdout.write(JSON.stringify({a: side(byId.ta), b: side(byId.tb)}) + '\n');
