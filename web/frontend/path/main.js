// The auditor's diagram pages, in the bpmn-js viewer: one case's path (elements done, flows taken and how
// often, tasks open now, timers fired and escalations on their boundary events, incidents in red; click an
// element for its audit events; a call activity opens the called process in place), and a process version's
// heatmap (how many cases passed each element and flow, time in each task, breaches).
import './style.css';

import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

import { api, text } from '../shared/api';
import { showHeatmap } from './heatmap';
import { Panel } from './panel';

const pathRoot = document.getElementById('path');
if (pathRoot) {
  startPath(pathRoot).catch((error) => {
    pathRoot.dataset.error = error.message;
  });
}
const heatRoot = document.getElementById('heatmap');
if (heatRoot) {
  showHeatmap(heatRoot, NavigatedViewer, text).catch((error) => {
    heatRoot.dataset.error = error.message;
  });
}

async function startPath(root) {
  const labels = JSON.parse(root.dataset.labels);
  const path = await api(root.dataset.path);
  const viewer = new NavigatedViewer({ container: root.querySelector('.path-canvas') });
  const panel = new Panel(root.querySelector('.element-panel'), labels, root.dataset.timezone);
  const trail = [];

  async function open(key) {
    const process = path.processes[key];
    root.dataset.ready = 'false';
    await viewer.importXML(await text(process.diagram));
    viewer.get('canvas').zoom('fit-viewport');
    draw(viewer, process, path.processes);
    root.dataset.process = key;
    panel.clear(process);
    const at = trail.indexOf(key);
    if (at >= 0) {
      trail.splice(at + 1);
    } else {
      trail.push(key);
    }
    crumbs(root.querySelector('.path-crumbs'), trail, path.processes, open);
    root.dataset.ready = 'true';
  }

  viewer.on('element.click', (event) => {
    const process = path.processes[root.dataset.process];
    const id = event.element.id;
    const called = process.calls[id];
    if (called && path.processes[called] && (process.elements[id] || {}).completed + ((process.elements[id] || {}).open ? 1 : 0) > 0) {
      open(called);
      return;
    }
    select(viewer, id);
    panel.show(id, process.elements[id], event.element.businessObject);
  });
  await open(path.case.process);
}

function select(viewer, id) {
  const canvas = viewer.get('canvas');
  for (const element of viewer.get('elementRegistry').getAll()) {
    canvas.removeMarker(element.id, 'path-selected');
  }
  if (viewer.get('elementRegistry').get(id)) {
    canvas.addMarker(id, 'path-selected');
  }
}

function draw(viewer, process, processes) {
  const canvas = viewer.get('canvas');
  const overlays = viewer.get('overlays');
  const registry = viewer.get('elementRegistry');
  const badge = (id, className, content, title) => {
    const span = document.createElement('span');
    span.className = `path-badge ${className}`;
    span.textContent = content;
    if (title) {
      span.title = title;
    }
    overlays.add(id, 'path', { position: { top: -10, right: 10 }, html: span });
  };
  for (const [id, element] of Object.entries(process.elements)) {
    if (!registry.get(id)) {
      continue;
    }
    if (element.incident) {
      canvas.addMarker(id, 'path-incident');
      badge(id, 'incident', '!', element.incidents.map((i) => i.message).join('\n'));
    } else if (element.fired) {
      canvas.addMarker(id, 'path-fired');
      badge(id, 'fired', '⏰', '');
    } else if (element.open) {
      canvas.addMarker(id, 'path-open');
    } else if (element.completed > 0) {
      canvas.addMarker(id, 'path-done');
    } else if (element.cancelled > 0) {
      canvas.addMarker(id, 'path-cancelled');
    }
    if (element.completed > 1) {
      badge(id, 'done', `×${element.completed}`, '');
    }
    if (element.escalations.length) {
      const span = document.createElement('span');
      span.className = 'path-badge escalated';
      span.textContent = `⚠ ${element.escalations.length}`;
      overlays.add(id, 'path', { position: { bottom: -6, left: -10 }, html: span });
    }
    if (process.calls[id] && processes[process.calls[id]] && (element.completed || element.open)) {
      canvas.addMarker(id, 'path-drill');
    }
  }
  for (const [id, count] of Object.entries(process.flows)) {
    if (!registry.get(id)) {
      continue;
    }
    canvas.addMarker(id, 'path-flow');
    if (count > 1) {
      const span = document.createElement('span');
      span.className = 'path-badge done';
      span.textContent = `×${count}`;
      overlays.add(id, 'path', { position: { top: -12, left: 0 }, html: span });
    }
  }
}

function crumbs(nav, trail, processes, open) {
  nav.replaceChildren();
  trail.forEach((key, index) => {
    if (index > 0) {
      const sep = document.createElement('span');
      sep.textContent = '›';
      nav.append(sep);
    }
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = processes[key].label;
    button.dataset.process = key;
    if (index === trail.length - 1) {
      button.setAttribute('aria-current', 'page');
    }
    button.addEventListener('click', () => open(key));
    nav.append(button);
  });
}
