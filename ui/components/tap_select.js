// A tap on a point of a plotly chart selects that point, as a click does. Plotly's select-on-click
// takes the point from the last hover, which a mouse makes on its way to the point; a finger lands
// with no hover first, so without this the first tap selects nothing and every later tap selects the
// point tapped before it (plotly_click has the right point, plotly_selected, which Streamlit sends,
// the stale one). So as a finger lands on a chart, plotly is given the mouse move a mouse would have
// made there. One listener per page, replaced whenever the component renders again.
export default function() {
  const handler = (event) => {
    if (event.touches.length !== 1) return; // two fingers zoom the page: no point is meant
    const { clientX, clientY } = event.touches[0];
    const target = document.elementFromPoint(clientX, clientY);
    if (!target || !target.closest('.js-plotly-plot')) return;
    target.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, cancelable: true, view: window, clientX, clientY }));
  };
  if (window.__vaeTapSelect) document.removeEventListener('touchstart', window.__vaeTapSelect, true);
  window.__vaeTapSelect = handler;
  document.addEventListener('touchstart', handler, { capture: true, passive: true });
  return () => {
    document.removeEventListener('touchstart', handler, true);
    if (window.__vaeTapSelect === handler) window.__vaeTapSelect = null;
  };
}
