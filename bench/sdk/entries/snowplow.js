// Snowplow (@snowplow/browser-tracker): a custom event is a self-describing event. Defaults
// otherwise (POST, bufferSize 1, cookies + localStorage state, webPage context). No page view,
// no activity tracking, no plugins.
import { newTracker, trackSelfDescribingEvent, flushBuffer } from '@snowplow/browser-tracker';

newTracker('sp', window.__SINK__, { appId: window.__SITE__ });

window.__track = (i) =>
  trackSelfDescribingEvent({ event: { schema: 'iglu:com.example/bench/jsonschema/1-0-0', data: { i } } });
window.__flush = () => flushBuffer();
window.__ready = true;
