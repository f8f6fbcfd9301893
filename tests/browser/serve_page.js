// serve_page.js: ibid serve's page in a real browser. A store holds the seed 000 (an NBC report
// pasted into a blog post); the page gets the text of 002 (a rewrite of it) pasted and sent: 000
// must be listed as its source, with passages highlighted on both sides, and a highlight's text
// on each side must be what the offsets say. Then the stories tab: the story of the two seeds
// (after 002 is added through the API), its timeline, and the pair side by side. Screenshots in
// OUT_DIR. Usage: node serve_page.js IBID OUT_DIR
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { launch, check, done } = require('./browser_util');

const [ibid, outDir] = process.argv.slice(2);
const seeds = path.join(process.env.IBID_SHARED || path.join(__dirname, '../../../shared'), 'seeds');

function startServer(db, tokenFile) {
    return new Promise((resolve, reject) => {
        const p = spawn(ibid, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--token-file',
            tokenFile], { stdio: ['ignore', 'pipe', 'inherit'] });
        let buf = '';
        p.stdout.on('data', (d) => {
            buf += d;
            const m = buf.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
            if (m) resolve({ proc: p, url: m[1] });
        });
        p.on('exit', (code) => reject(new Error('ibid serve exited with ' + code)));
    });
}

(async () => {
    const browser = await launch();
    fs.mkdirSync(outDir, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ibid-browser-'));
    const files = fs.readdirSync(seeds);
    const f000 = files.find((f) => f.startsWith('000_'));
    const f002 = files.find((f) => f.startsWith('002_'));
    const text000 = fs.readFileSync(path.join(seeds, f000), 'utf8');
    const text002 = fs.readFileSync(path.join(seeds, f002), 'utf8');
    const db = path.join(tmp, 't.db');
    fs.writeFileSync(path.join(tmp, 'docs.jsonl'),
        JSON.stringify({ id: '000', text: text000, date: '2024-03-01', title: 'NBC report' }) + '\n');
    execFileSync(ibid, ['add', '-q', '--db', db, path.join(tmp, 'docs.jsonl')]);
    const token = 'browser-test-token-0123456789';
    fs.writeFileSync(path.join(tmp, 'token'), token + '\n', { mode: 0o600 });
    const srv = await startServer(db, path.join(tmp, 'token'));
    try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
        const requests = [];
        page.on('request', (r) => requests.push(r.url()));
        await page.goto(srv.url + '/');
        await page.waitForFunction(() => /stored/.test(document.getElementById('store').textContent));
        check(/^1 document, 0 passages/.test(await page.textContent('#store')),
            'the page shows the store');
        check(!(await page.isVisible('#auth')), 'no token asked for on an open server');

        await page.fill('#text', text002);
        await page.click('#find');
        await page.waitForSelector('#sources li');
        const sources = await page.$$eval('#sources li', (ls) => ls.map((l) => l.dataset.id));
        check(sources.length === 1 && sources[0] === '000', 'source 000 is listed: ' + sources);
        check(/% of the text is reused/.test(await page.textContent('#summary')),
            'the share reused is shown');
        const left = await page.$$eval('#left mark', (ms) => ms.map((m) => m.textContent));
        const right = await page.$$eval('#right mark', (ms) => ms.map((m) => m.textContent));
        check(left.length > 0 && right.length > 0,
            'passages highlighted on both sides: ' + left.length + ' / ' + right.length);
        // the highlighted text is the passage the API gives, cut by code points
        const api = await page.evaluate(async (t) => {
            const r = await fetch('/api/query', { method: 'POST', body: t });
            return r.json();
        }, text002);
        const p = api.sources[0].passages[0];
        const cut = (s, b, e) => Array.from(s).slice(b, e).join('');
        check(left.join('') === api.sources[0].passages.map((q) => cut(text002, q.begin1, q.end1)).join(''),
            'the left highlights are the query\'s passages');
        check(right.join('') === api.sources[0].passages.map((q) => cut(text000, q.begin2, q.end2)).join(''),
            'the right highlights are the source\'s passages');
        check(p.end1 - p.begin1 > 1000, 'a long passage: ' + (p.end1 - p.begin1) + ' code points');
        const leftText = await page.textContent('#left');
        const rightText = await page.textContent('#right');
        check(leftText === text002 && rightText === text000, 'both texts shown whole');
        await page.click('#left mark');
        check((await page.$$('mark.hot')).length === 2, 'a click outlines the passage on both sides');
        await page.screenshot({ path: path.join(outDir, 'serve_query.png'), fullPage: true });

        // a phone's width: one column, nothing wider than the screen
        await page.setViewportSize({ width: 390, height: 800 });
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        check(wide <= 390, 'readable on a phone: page width ' + wide);
        await page.screenshot({ path: path.join(outDir, 'serve_query_phone.png') });
        await page.setViewportSize({ width: 1280, height: 900 });

        // the stories tab, once 002 is stored too
        const added = await page.evaluate(async (a) => {
            const r = await fetch('/api/documents', { method: 'POST',
                headers: { Authorization: 'Bearer ' + a.token },
                body: JSON.stringify({ id: '002', text: a.text, date: '2024-03-02' }) });
            return r.status;
        }, { token, text: text002 });
        check(added === 201, '002 added through the API: ' + added);
        await page.click('#tab-stories');
        await page.waitForSelector('#story-list tbody tr');
        await page.click('#story-list tbody tr');
        await page.waitForSelector('#timeline li');
        const wit = await page.$$eval('#timeline li b', (bs) => bs.map((b) => b.textContent));
        check(wit.join(',') === '000,002', 'the timeline: first witness 000, then 002: ' + wit);
        await page.click('#timeline li:nth-child(2)');
        await page.waitForSelector('#right mark');
        check((await page.$$('#left mark')).length > 0 && (await page.$$('#right mark')).length > 0,
            'a witness opens side by side with the first, highlighted');
        await page.screenshot({ path: path.join(outDir, 'serve_story.png'), fullPage: true });

        // a text opened from a file is sent the same way
        await page.click('#tab-check');
        await page.fill('#text', '');
        await page.$eval('#sources', (ol) => { ol.textContent = ''; });
        await page.setInputFiles('#file', path.join(seeds, f002));
        await page.waitForSelector('#sources li');
        check((await page.inputValue('#text')) === text002, 'an opened file fills the text box');
        const again = await page.$$eval('#sources li', (ls) => ls.map((l) => l.dataset.id));
        check(again.join(',') === '002,000', 'now that 002 is stored, it and 000 are listed: ' +
            again);

        check(errors.length === 0, 'no script errors: ' + errors.join('; '));
        check(requests.every((u) => u.startsWith(srv.url)), 'nothing fetched from elsewhere');
    } finally {
        srv.proc.removeAllListeners('exit');
        srv.proc.kill('SIGTERM');
        await browser.close();
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    done();
})().catch((e) => {
    console.error('FAIL: ' + (e.stack || e));
    process.exit(1);
});
