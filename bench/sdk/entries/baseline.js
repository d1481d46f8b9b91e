// No tracker: the harness's own floor (page, evaluate, CDP metrics) for the cost table.
window.__track = () => {};
window.__ready = true;
