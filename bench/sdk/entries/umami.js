// Umami: its npm package `umami` is the whole server app; the browser tracker ships in it only
// as source (src/tracker/index.js). run.mjs fetches the pinned tarball and resolves
// 'umami-tracker-source' to that file, which is then bundled like every other entry.
import './umami-config.js';
import 'umami-tracker-source';

window.__track = (i) => window.umami.track('bench', { i });
// Umami sends each event at once; it has no flush.
window.__ready = true;
