// The compare page: the version before and the draft (or version) after, side by side in the bpmn-js viewer,
// removed and changed elements marked on the left, added and changed ones on the right. The list of changes
// below is the server's; clicking an entry shows its element.
import './style.css';

import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

import { api, text } from '../shared/api';

const root = document.getElementById('compare');
if (root) {
  start(root).catch((error) => {
    root.dataset.error = error.message;
  });
}

async function start(root) {
  const changes = JSON.parse(root.dataset.changes);
  const before = await text(root.dataset.before);
  const after = root.dataset.afterJson === 'true' ? (await api(root.dataset.after)).content : await text(root.dataset.after);
  const left = await show('before', before, changes, ['removed', 'changed']);
  const right = await show('after', after, changes, ['added', 'changed']);
  for (const row of document.querySelectorAll('#changes tr[data-element]')) {
    row.addEventListener('click', () => {
      for (const viewer of [left, right]) {
        const element = viewer.get('elementRegistry').get(row.dataset.element);
        if (element) {
          viewer.get('canvas').scrollToElement(element);
        }
      }
    });
  }
  root.dataset.ready = 'true';
}

async function show(id, xml, changes, kinds) {
  const viewer = new NavigatedViewer({ container: document.getElementById(id) });
  await viewer.importXML(xml);
  const canvas = viewer.get('canvas');
  canvas.zoom('fit-viewport');
  const registry = viewer.get('elementRegistry');
  for (const change of changes) {
    if (kinds.includes(change.change) && registry.get(change.id)) {
      canvas.addMarker(change.id, `diff-${change.change}`);
    }
  }
  return viewer;
}
