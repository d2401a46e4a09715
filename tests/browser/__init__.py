"""Browser tests of the extension: Chromium through Playwright, Firefox through WebDriver BiDi."""
