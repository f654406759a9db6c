// Runs pa11y (HTML_CodeSniffer and axe runners, WCAG 2.1 AA) on the pages given
// on stdin as JSON: {"executablePath": "/usr/bin/chromium",
// "pages": [{"url": "...", "cookie": "sessionid=...; django_language=nl"}]}.
// Prints [{"url", "errors": [{"runner", "code", "message", "selector"}]}], one
// entry per page in the given order (warnings and notices are left out). One Chromium for all
// pages: Debian's, never a downloaded one (.puppeteerrc.cjs).
const pa11y = require("pa11y");
const puppeteer = require("puppeteer");

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const spec = JSON.parse(Buffer.concat(chunks).toString());
  const browser = await puppeteer.launch({
    executablePath: spec.executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  const results = [];
  try {
    for (const { url, cookie } of spec.pages) {
      const page = await browser.newPage();
      const result = await pa11y(url, {
        browser,
        page,
        runners: ["htmlcs", "axe"],
        standard: "WCAG2AA",
        // What axe cannot decide ("needs review", e.g. the contrast of text in
        // an SVG chart) is a warning, as in the axe-core tests; violations stay
        // errors.
        levelCapWhenNeedsReview: "warning",
        headers: cookie ? { Cookie: cookie } : {},
        timeout: 60000,
      });
      const errors = result.issues
        .filter((issue) => issue.type === "error")
        .map(({ runner, code, message, selector }) => ({
          runner,
          code,
          message,
          selector,
        }));
      results.push({ url, errors });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
