export { chromiumPath, launchChromium, type LaunchedBrowser } from './browser.js';
export { waitFor } from './wait.js';
