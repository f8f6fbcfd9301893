// report_page.js: ibid report's page (src/html.c) in a real browser, opened from disk. The two
// seeds (000, an NBC report pasted into a blog post; 002, a rewrite of it) are reported; the
// side-by-side view must open on them with the shared passages highlighted on both sides, each
// side's highlights being exactly the passages' spans (code points), and a click on one must
// outline its counterpart. A screenshot goes to OUT_DIR. Usage: node report_page.js IBID OUT_DIR
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { launch, check, done } = require('./browser_util');

const [ibid, outDir] = process.argv.slice(2);
const seeds = path.join(process.env.IBID_SHARED || path.join(__dirname, '../../../shared'), 'seeds');

(async () => {
    const browser = await launch();
    fs.mkdirSync(outDir, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ibid-report-'));
    try {
        const docs = path.join(tmp, 'docs');
        fs.mkdirSync(docs);
        for (const f of fs.readdirSync(seeds).filter((f) => /^00[02]_/.test(f)))
            fs.copyFileSync(path.join(seeds, f), path.join(docs, f));
        const html = path.join(tmp, 'report.html');
        execFileSync(ibid, ['report', '-q', '-o', html, docs]);
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        const requests = [];
        page.on('request', (r) => requests.push(r.url()));
        await page.goto('file://' + html);
        const a = await page.$$eval('#ta mark', (ms) => ms.map((m) => m.textContent));
        const b = await page.$$eval('#tb mark', (ms) => ms.map((m) => m.textContent));
        check(a.length > 0 && b.length > 0, 'passages highlighted on both sides: ' + a.length +
            ' / ' + b.length);
        const want = await page.evaluate(() => {
            const D = JSON.parse(document.getElementById('data').textContent);
            const cut = (s, x, y) => Array.from(s).slice(x, y).join('');
            const p = D.passages.filter((q) => q[0] === 0 && q[1] === 1);
            return { a: p.map((q) => cut(D.docs[0][3], q[2], q[3])).join(''),
                b: p.map((q) => cut(D.docs[1][3], q[4], q[5])).join(''),
                ids: D.docs.map((d) => d[0]) };
        });
        check(want.ids.length === 2 && /^000_/.test(want.ids[0]) && /^002_/.test(want.ids[1]),
            'the two seeds are in the view: ' + want.ids);
        check(a.join('') === want.a, 'the left highlights are the passages\' spans in 000');
        check(b.join('') === want.b, 'the right highlights are the passages\' spans in 002');
        await page.click('#ta mark');
        check((await page.$$('mark.hot')).length === 2, 'a click outlines both sides');
        await page.screenshot({ path: path.join(outDir, 'report_seeds.png'), fullPage: false });
        check(errors.length === 0, 'no script errors: ' + errors.join('; '));
        check(requests.every((u) => u.startsWith('file://')), 'nothing fetched from the network');
    } finally {
        await browser.close();
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    done();
})().catch((e) => {
    console.error('FAIL: ' + (e.stack || e));
    process.exit(1);
});
