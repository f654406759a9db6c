// Puppeteer (used by pa11y) never downloads a browser: the tests launch
// Debian's /usr/bin/chromium, and only the npm registry is reachable.
module.exports = {skipDownload: true};
