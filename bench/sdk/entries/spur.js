// spur: the SDK under test, imported from the workspace build like any other peer.
// run.mjs redirects this import to $SPUR_SDK_DIST/index.js when that variable is set.
import { createTracker } from '../../../packages/sdk/dist/index.js';

// Like the peers: no automatic page views (nor the URL search detection that comes with them)
// and no automatic click tracking; everything else at its defaults (batches of 20, 2 s timer).
const tracker = createTracker({ site: window.__SITE__, endpoint: window.__SINK__, pageviews: false, clicks: false });

window.__track = (i) => tracker.track('bench', { i });
window.__flush = () => tracker.flush();
window.__ready = true;
