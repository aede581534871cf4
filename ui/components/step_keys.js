// Lesson steps by keyboard: Right / Page Down / Space for the next step, Left / Page Up for the one
// before (what presentation clickers send). Keys meant for a control (a focused slider, an input)
// are left to it. One listener per page, replaced whenever the component renders again.
export default function(component) {
  const { setTriggerValue } = component;
  const NEXT = ['ArrowRight', 'PageDown', ' '];
  const BACK = ['ArrowLeft', 'PageUp'];
  const inControl = (el) => el && (el.closest('input, textarea, select, [role="slider"], [contenteditable="true"]'));
  const handler = (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || inControl(document.activeElement)) return;
    if (NEXT.includes(event.key)) { event.preventDefault(); setTriggerValue('step', 'next'); }
    else if (BACK.includes(event.key)) { event.preventDefault(); setTriggerValue('step', 'back'); }
  };
  if (window.__vaeStepKeys) window.removeEventListener('keydown', window.__vaeStepKeys);
  window.__vaeStepKeys = handler;
  window.addEventListener('keydown', handler);
  return () => { window.removeEventListener('keydown', handler); if (window.__vaeStepKeys === handler) window.__vaeStepKeys = null; };
}
