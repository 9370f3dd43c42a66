// The heatmap of a process version: elements shaded by how many cases passed them, flows by how many took
// them, each task's median and p90 time and its breaches in a badge.

export async function showHeatmap(root, Viewer, text) {
  const data = JSON.parse(root.dataset.heat);
  const viewer = new Viewer({ container: root.querySelector('.path-canvas') });
  await viewer.importXML(await text(root.dataset.diagram));
  const canvas = viewer.get('canvas');
  canvas.zoom('fit-viewport');
  const overlays = viewer.get('overlays');
  const registry = viewer.get('elementRegistry');
  const top = Math.max(1, ...Object.values(data.elements).map((e) => e.passed));
  for (const [id, element] of Object.entries(data.elements)) {
    if (!registry.get(id)) {
      continue;
    }
    const level = element.passed ? Math.min(5, 1 + Math.floor((4 * element.passed) / top)) : 0;
    canvas.addMarker(id, `heat-${level}`);
    const badge = document.createElement('span');
    badge.className = element.breaches ? 'heat-badge breach' : 'heat-badge';
    badge.dataset.element = id;
    badge.dataset.passed = element.passed;
    badge.textContent = element.label;
    if (element.title) {
      badge.title = element.title;
    }
    overlays.add(id, 'heat', { position: { top: -12, left: 0 }, html: badge });
  }
  const topFlow = Math.max(1, ...Object.values(data.flows));
  for (const [id, count] of Object.entries(data.flows)) {
    if (!registry.get(id) || !count) {
      continue;
    }
    canvas.addMarker(id, `heat-flow-${Math.min(3, 1 + Math.floor((2 * count) / topFlow))}`);
    const badge = document.createElement('span');
    badge.className = 'heat-badge';
    badge.dataset.flow = id;
    badge.textContent = `${count}`;
    overlays.add(id, 'heat', { position: { top: -14, left: 4 }, html: badge });
  }
  root.dataset.ready = 'true';
}
