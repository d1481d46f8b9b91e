// Script-tag entry, built as dist/sdk.js (minified IIFE). Takes its options from the tag's
// data-* attributes (data-flush-ms → flushMs, ...), replays calls queued by the stub and
// installs the tracker as window.spur, the only global. A second copy on the page does nothing.
import { make } from './tracker.js';

const W = window as any;
const o = W.spur;
if (!(o && o.flush)) {
  const s = document.currentScript as HTMLScriptElement | null;
  // Default endpoint: the script's own directory (https://shop.example/spur/sdk.js → https://shop.example/spur).
  W.spur = make(s ? s.dataset : {}, o && o.q, s ? new URL('.', s.src).href : '');
}
