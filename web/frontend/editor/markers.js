// Problems drawn on the diagram: a red (deploy checks) or amber (bpmnlint) outline and a badge on the element
// each problem names, and a list beside the diagram whose entries select the element.
const KINDS = { problem: 'studio-marker-problem', lint: 'studio-marker-lint' };

export class Markers {
  constructor(viewer) {
    this.canvas = viewer.get('canvas');
    this.overlays = viewer.get('overlays');
    this.registry = viewer.get('elementRegistry');
    this.selection = viewer.get('selection', false);
    this.marked = { problem: [], lint: [] };
  }

  has(id) {
    return Boolean(id && this.registry.get(id));
  }

  show(kind, items) {
    for (const id of this.marked[kind]) {
      if (this.registry.get(id)) {
        this.canvas.removeMarker(id, KINDS[kind]);
      }
    }
    this.overlays.remove({ type: `studio-${kind}` });
    this.marked[kind] = [];
    const counts = {};
    for (const item of items) {
      if (this.has(item.id)) {
        counts[item.id] = counts[item.id] || [];
        counts[item.id].push(item.message);
      }
    }
    for (const [id, messages] of Object.entries(counts)) {
      this.canvas.addMarker(id, KINDS[kind]);
      this.marked[kind].push(id);
      const badge = document.createElement('span');
      badge.className = `studio-badge ${kind}`;
      badge.textContent = `${messages.length}`;
      badge.title = messages.join('\n');
      this.overlays.add(id, `studio-${kind}`, { position: { top: -8, right: 8 }, html: badge });
    }
  }

  focus(id) {
    const element = this.registry.get(id);
    if (!element) {
      return;
    }
    this.canvas.scrollToElement(element);
    if (this.selection) {
      this.selection.select(element);
    }
  }
}

// A list of problems; each entry on this diagram is a button that selects its element.
export function renderList(container, heading, items, markers, otherFile) {
  container.textContent = '';
  if (!items.length) {
    return;
  }
  const title = document.createElement('h3');
  title.textContent = heading;
  const list = document.createElement('ul');
  list.className = 'problems-list';
  for (const item of items) {
    const entry = document.createElement('li');
    entry.dataset.element = item.id || '';
    entry.dataset.file = item.file || '';
    const where = document.createElement(markers && markers.has(item.id) ? 'button' : 'span');
    where.textContent = `${item.file ? item.file + ' · ' : ''}${item.id || ''}`;
    if (where.tagName === 'BUTTON') {
      where.type = 'button';
      where.className = 'link';
      where.addEventListener('click', () => markers.focus(item.id));
    } else if (item.file && otherFile) {
      const link = document.createElement('a');
      link.href = otherFile(item.file);
      link.textContent = where.textContent;
      where.textContent = '';
      where.appendChild(link);
    }
    entry.appendChild(where);
    entry.appendChild(document.createTextNode(`: ${item.message}`));
    list.appendChild(entry);
  }
  container.appendChild(title);
  container.appendChild(list);
}

// The same for a decision table (dmn-js): the cell or rule a problem names gets the outline and the messages as
// its tooltip. dmn-js redraws a cell when it is edited, which drops the mark until the next save draws it again.
export class TableMarkers {
  constructor(container) {
    this.container = container;
  }

  cells(id) {
    if (!id) {
      return [];
    }
    const name = CSS.escape(id);
    return [...this.container.querySelectorAll(`[data-element-id="${name}"], td[data-row-id="${name}"]`)];
  }

  has(id) {
    return this.cells(id).length > 0;
  }

  show(kind, items) {
    for (const cell of this.container.querySelectorAll(`.${KINDS[kind]}`)) {
      cell.classList.remove(KINDS[kind]);
      cell.removeAttribute('title');
    }
    const messages = {};
    for (const item of items) {
      messages[item.id] = [...(messages[item.id] || []), item.message];
    }
    for (const [id, said] of Object.entries(messages)) {
      for (const cell of this.cells(id)) {
        cell.classList.add(KINDS[kind]);
        cell.title = said.join('\n');
      }
    }
  }

  focus(id) {
    const [cell] = this.cells(id);
    if (cell) {
      cell.scrollIntoView({ block: 'center' });
      cell.focus();
    }
  }
}
