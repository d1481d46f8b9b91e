// Segment (@segment/analytics-next): npm idiom. Settings are given locally (cdnSettings) so
// nothing is fetched from Segment's CDN; no destinations, no initial page view; the
// Segment.io plugin posts to the sink. Default (per-event) delivery strategy.
import { AnalyticsBrowser } from '@segment/analytics-next';

const sink = new URL(window.__SINK__);
const apiHost = `${sink.host}/v1`;

const analytics = AnalyticsBrowser.load(
  {
    writeKey: 'bench',
    cdnSettings: { integrations: { 'Segment.io': { apiKey: 'bench', apiHost } } },
  },
  {
    initialPageview: false,
    integrations: { 'Segment.io': { apiHost, protocol: sink.protocol.replace(':', '') } },
  },
);

analytics.ready(() => {
  window.__ready = true;
});

window.__track = (i) => analytics.track('bench', { i });
// analytics-next has no public flush in its default (per-event) delivery strategy.
