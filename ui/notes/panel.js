// A "maths behind it" panel (ui.notes.explain) arrives with its formulas as TeX (ui.tex.html). Drawn on every visit
// to a page, a closed panel's formulas were most of the page's elements; here they are drawn by KaTeX (the version
// whose style sheet Streamlit loads: ui/vendor/katex) only once the panel is opened. KaTeX is fetched while the page
// is idle, so a click on the panel's title draws them before the panel opens; were it not loaded yet, they follow.
(() => {
  const notes = document.currentScript.parentElement.querySelector('.maths-notes');
  const panel = notes.closest('details');
  let katex = window.katex ?? null; // the file defines window.katex: it is a script, not a module
  const load = () => import(new URL(notes.dataset.katex, document.baseURI).href).then(() => (katex = window.katex));
  const render = () => {
    if (notes.dataset.rendered) return;
    for (const formula of notes.querySelectorAll('.tex')) {
      const displayMode = formula.classList.contains('display');
      katex.render(formula.textContent, formula, { displayMode, throwOnError: false });
    }
    notes.dataset.rendered = 'true';
  };
  const shown = () => (katex ? render() : load().then(render));
  if (!panel || panel.open) return void shown();
  if (!katex) (window.requestIdleCallback ?? setTimeout)(() => katex || load().catch(() => {}));
  panel.querySelector('summary').addEventListener('click', () => !panel.open && shown(), { capture: true });
  panel.addEventListener('toggle', () => panel.open && shown());
})();
