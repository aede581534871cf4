// The JavaScript of a component whose code is served by URL (ui/served.py, cached by the browser for good): Streamlit
// sends a component's inline JavaScript with its element on every rerun (the latent pad's is 20 KB, eight times the
// rest of a slider move's messages), so the element carries only this loader and the module's URL in its data.
// A module is imported once per page; its default export is called on every render, as Streamlit would call it.
export default function (component) {
  const url = new URL(component.data.module, document.baseURI).href; // absolute: this loader is a blob: module
  return import(url).then(
    (module) => module.default(component),
    (error) => {
      const root = component.parentElement.querySelector('[data-state]'); // the component's root element
      if (!root) return;
      root.dataset.state = 'unavailable';
      const status = root.querySelector('.status');
      if (status) status.textContent = `This part of the page could not load its code (${error.message}).`;
    },
  );
}
