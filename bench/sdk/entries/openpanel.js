// OpenPanel (@openpanel/web): npm idiom; screen views, outgoing links, data attributes and
// session replay off (their defaults are off too, except none is turned on here).
import { OpenPanel } from '@openpanel/web';

const op = new OpenPanel({
  clientId: 'bench',
  apiUrl: window.__SINK__,
  trackScreenViews: false,
  trackOutgoingLinks: false,
  trackAttributes: false,
});

window.__track = (i) => op.track('bench', { i });
// OpenPanel sends each event at once; it has no public flush of its own queue (flush() only
// resends events held back while waiting for a profile).
window.__ready = true;
