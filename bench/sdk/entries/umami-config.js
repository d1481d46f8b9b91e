// Umami's tracker reads its settings from its own <script> tag (document.currentScript).
// In the bundle that is the bundle's tag, so set them there before the tracker module runs.
const script = document.currentScript;
script.setAttribute('data-website-id', '00000000-0000-4000-8000-000000000000');
script.setAttribute('data-host-url', window.__SINK__);
script.setAttribute('data-auto-track', 'false'); // no automatic page view, no click listeners
