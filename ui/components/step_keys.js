// Lesson steps by keyboard, as a presentation clicker drives them. A clicker's forward and back
// buttons send Page Down and Page Up, and the presenter cannot reach the scroll bar, so those keys
// first scroll the step (most of a screen at a time) and move to the next or previous step only at
// its bottom or top; Space does what Page Down does. Right and Left always change the step. B or "."
// (a clicker's blank button) blanks the screen and brings it back; while it is blank, the moving
// keys only bring it back, so the room never misses a step. Every step opens at its top.
// Keys meant for a control (a focused slider, an input) are left to it. Once a key has asked for
// another step, the moving keys wait until it is shown (at most STEP_WAIT_MS): a presenter who
// presses again because the server is slow must not skip a step; a key past the first or last step
// asks nothing (there is nothing to wait for). One listener per page, replaced
// whenever the component renders again.
const SCROLLER = '[data-testid="stMain"]'; // Streamlit scrolls its main column, not the window
const BLANK_ID = 'vae-blank-screen';
const STEP_WAIT_MS = 3000;

export default function(component) {
  const { setTriggerValue, data } = component;
  const scroller = () => document.querySelector(SCROLLER) || document.scrollingElement;
  const shown = data && data.step;
  if (shown !== undefined && window.__vaeStepShown !== shown) { // a new step: open it at its top
    window.__vaeStepShown = shown;
    const main = scroller();
    if (main) main.scrollTop = 0;
  }
  const step = (direction) => {
    if ((direction === 'next' && data && data.last) || (direction === 'back' && data && data.first)) return;
    window.__vaeStepAsked = { from: window.__vaeStepShown, at: Date.now() };
    setTriggerValue('step', direction);
  };
  // A step was asked for and the one shown is still the one it was asked from.
  const waiting = () => {
    const asked = window.__vaeStepAsked;
    return Boolean(asked) && asked.from === window.__vaeStepShown && Date.now() - asked.at < STEP_WAIT_MS;
  };
  // One screenful down (+1) or up (-1) if there is more that way; false at the bottom or top.
  const scrolled = (direction) => {
    const main = scroller();
    if (!main) return false;
    const room = direction > 0 ? main.scrollHeight - main.clientHeight - main.scrollTop : main.scrollTop;
    if (room <= 2) return false;
    main.scrollBy({ top: direction * Math.min(room, 0.85 * main.clientHeight), behavior: 'instant' });
    return true;
  };
  const blank = () => document.getElementById(BLANK_ID);
  const toggleBlank = () => {
    if (blank()) { blank().remove(); return; }
    const cover = document.createElement('div');
    cover.id = BLANK_ID;
    cover.setAttribute('aria-label', 'Screen blanked: press B or . to bring it back');
    cover.style.cssText = 'position:fixed;inset:0;background:#000;z-index:2147483647;cursor:none';
    cover.addEventListener('click', () => cover.remove());
    document.body.appendChild(cover);
  };
  const inControl = (el) => el && (el.closest('input, textarea, select, [role="slider"], [contenteditable="true"]'));
  const handler = (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || inControl(document.activeElement)) return;
    const key = event.key;
    if (key === 'b' || key === 'B' || key === '.') { event.preventDefault(); toggleBlank(); return; }
    const moving = ['ArrowRight', 'ArrowLeft', 'PageDown', 'PageUp', ' ', 'Escape'].includes(key);
    if (!moving) return;
    if (blank()) { event.preventDefault(); blank().remove(); return; }
    if (key === 'Escape') return;
    event.preventDefault();
    if (waiting()) return;
    if (key === 'ArrowRight') step('next');
    else if (key === 'ArrowLeft') step('back');
    else if (key === 'PageDown' || key === ' ') { if (!scrolled(+1)) step('next'); }
    else if (!scrolled(-1)) step('back');
  };
  if (window.__vaeStepKeys) window.removeEventListener('keydown', window.__vaeStepKeys);
  window.__vaeStepKeys = handler;
  window.addEventListener('keydown', handler);
  return () => { window.removeEventListener('keydown', handler); if (window.__vaeStepKeys === handler) window.__vaeStepKeys = null; };
}
