// "Copy link to this view": the address bar already holds the view's state (ui/links.py keeps it
// there); this copies it. navigator.clipboard needs a secure origin (https or localhost); a school
// server on plain http gets the older execCommand route instead.
export default function(component) {
  const { parentElement } = component;
  const button = parentElement.querySelector('button');
  const note = parentElement.querySelector('.note');
  button.onclick = async () => {
    const url = window.location.href;
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      const area = document.createElement('textarea');
      area.value = url;
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    note.textContent = 'Copied: ' + url;
  };
}
