// browser_util.js: what the browser tests share: playwright-core (from npm, found in
// IBID_NPM_DIR) driving Debian's chromium (/usr/bin/chromium, headless), never a downloaded
// browser. A missing piece fails under CI=true and skips (exit 77) otherwise.
'use strict';
const fs = require('fs');
const path = require('path');

const CHROMIUM = process.env.IBID_CHROMIUM || '/usr/bin/chromium';

function missing(what) {
    if (process.env.CI === 'true' || process.env.CI === '1') {
        console.error('FAIL: ' + what + ' (CI=true: the browser tests must run)');
        process.exit(1);
    }
    console.error('SKIP: ' + what + '; install it to run this test (see scripts/test.sh)');
    process.exit(77);
}

async function launch() {
    const dir = process.env.IBID_NPM_DIR || process.env.IBID_NPM_DIR_DEFAULT || '';
    const mod = path.resolve(dir, 'node_modules', 'playwright-core');
    if (!dir || !fs.existsSync(mod)) missing('playwright-core is not installed in ' + mod);
    if (!fs.existsSync(CHROMIUM)) missing('chromium is not installed at ' + CHROMIUM);
    const { chromium } = require(mod);
    const args = ['--disable-gpu', '--disable-dev-shm-usage'];
    if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
    return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

let failed = 0;
function check(cond, what) {
    if (!cond) {
        failed++;
        console.error('FAIL: ' + what);
    } else {
        console.log('ok: ' + what);
    }
}

function done() {
    console.log(failed ? failed + ' checks failed' : 'all checks passed');
    process.exit(failed ? 1 : 0);
}

module.exports = { launch, check, done };
