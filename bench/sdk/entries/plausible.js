// Plausible (@plausible-analytics/tracker): npm idiom. Automatic page views off; localhost
// capture on because the sink is on loopback. Plausible's custom props are strings.
import { init, track } from '@plausible-analytics/tracker';

init({
  domain: window.__SITE__,
  endpoint: `${window.__SINK__}/api/event`,
  autoCapturePageviews: false,
  captureOnLocalhost: true,
  logging: false,
});

window.__track = (i) => track('bench', { props: { i: String(i) } });
// Plausible sends each event at once; it has no flush.
window.__ready = true;
