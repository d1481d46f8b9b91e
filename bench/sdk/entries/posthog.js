// PostHog (posthog-js): documented npm idiom, default bundle. Everything that would load more
// code or call anything but the capture endpoint is off: remote config/flags ("decide"),
// autocapture, page views/leaves, session recording, surveys, heatmaps, web experiments,
// product tours, conversations, exception and performance capture, external script loading.
import posthog from 'posthog-js';

posthog.init('phc_bench', {
  api_host: window.__SINK__,
  autocapture: false,
  capture_pageview: false,
  capture_pageleave: false,
  capture_dead_clicks: false,
  capture_heatmaps: false,
  capture_exceptions: false,
  capture_performance: false,
  rageclick: false,
  disable_session_recording: true,
  disable_surveys: true,
  disable_web_experiments: true,
  disable_product_tours: true,
  disable_conversations: true,
  disable_external_dependency_loading: true,
  advanced_disable_flags: true, // the current name of advanced_disable_decide (no /flags, no remote config)
  advanced_disable_toolbar_metrics: true,
  // The harness browser is headless Chromium under automation, which PostHog's bot filter drops
  // (user agent "HeadlessChrome", navigator.webdriver). A shopper's browser is not filtered, so
  // neither is this one. (Plausible's equivalent check is skipped by its captureOnLocalhost.)
  opt_out_useragent_filter: true,
  // PostHog's client-side rate limit (10 events/s, burst 100) would drop 90% of the benchmark's
  // burst and log an error for each dropped call; a shop's real traffic never meets it. Raised
  // so that all 1,000 events are processed and sent, as with every other tracker.
  rate_limiting: { events_per_second: 1000, events_burst_limit: 1000 },
  loaded: () => {
    window.__ready = true;
  },
});

window.__track = (i) => posthog.capture('bench', { i });
// posthog-js has no public flush: its request queue sends every flush_interval_ms (3 s default).
