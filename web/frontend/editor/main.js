// The studio's editor page: load one file of the draft into its editor, save it (the server runs the deploy
// validator on every save), show each problem on the element it names, lint as the owner draws, and warn
// before losing unsaved work. All texts come from the page (data-texts), in the page's language.
import './style.css';

import { api, format } from '../shared/api';
import { bpmnEditor, dmnEditor, jsonEditor } from './editors';
import { lint } from './lint';
import { Markers, TableMarkers, renderList } from './markers';

const root = document.getElementById('studio');
if (root) {
  start(root).catch((error) => {
    document.getElementById('status').textContent = error.message;
  });
}

async function start(root) {
  const T = JSON.parse(root.dataset.texts);
  const state = { revision: Number(root.dataset.revision), file: root.dataset.file, dirty: false };
  const draftUrl = root.dataset.api;
  const status = document.getElementById('status');
  const saveButton = document.getElementById('save');
  const problemsBox = document.getElementById('problems');
  const lintBox = document.getElementById('lint');
  const readOnly = root.dataset.deployed === 'true';

  const changed = () => {
    state.dirty = true;
    saveButton.disabled = readOnly;
    status.textContent = T.unsaved;
    scheduleLint();
  };
  const file = await api(`${draftUrl}/files/${encodeURIComponent(state.file)}`);
  const editor = await openEditor(root, file.content, T, changed);
  const markers = editor.viewer ? new Markers(editor.viewer) : editor.table ? new TableMarkers(editor.table) : null;
  const otherFile = (name) => `?file=${encodeURIComponent(name)}`;

  const showProblems = (answer) => {
    // `text` is the problem in the page's language (the server's catalog, by the problem's code).
    const items = answer.problems.map((p) => ({ ...p, id: p.element, message: p.text || p.message }));
    if (markers) {
      markers.show('problem', items.filter((p) => p.file === state.file));
    }
    if (answer.ok) {
      problemsBox.textContent = T.no_problems;
      problemsBox.className = 'checks-ok';
    } else {
      problemsBox.className = 'checks-failed';
      renderList(problemsBox, T.problems, items, markers, otherFile);
    }
  };

  let lintTimer = null;
  function scheduleLint() {
    if (!editor.viewer) {
      return;
    }
    clearTimeout(lintTimer);
    lintTimer = setTimeout(async () => {
      const definitions = editor.viewer.getDefinitions();
      const reports = (await lint(definitions)).map((r) => ({ ...r, message: T[`rule.${r.rule}`] || r.message }));
      markers.show('lint', reports);
      renderList(lintBox, T.lint, reports, markers, null);
    }, 400);
  }

  async function save() {
    if (!state.dirty || readOnly) {
      return;
    }
    saveButton.disabled = true;
    status.textContent = T.saving;
    try {
      const text = await editor.text();
      const answer = await api(draftUrl, {
        method: 'PUT',
        body: { revision: state.revision, files: { [state.file]: text } },
      });
      state.revision = answer.draft.revision;
      state.dirty = false;
      root.dataset.revision = String(state.revision);
      // The file forms (add, rename, delete) save on the revision they carry: keep it the current one.
      for (const input of root.querySelectorAll('input[name="revision"]')) {
        input.value = String(state.revision);
      }
      status.textContent = format(T.saved, { revision: state.revision });
      showProblems(answer);
    } catch (error) {
      saveButton.disabled = false;
      const detail = error.body && error.body.errors ? ` ${JSON.stringify(error.body.errors)}` : '';
      status.textContent = error.status === 409 ? T.conflict : format(T.save_failed, { message: error.message + detail });
      if (error.status === 409) {
        status.appendChild(document.createTextNode(' '));
        status.appendChild(await keepMine(editor, state.file, T.keep_mine));
      }
    }
  }

  saveButton.addEventListener('click', save);
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === 's') {
      event.preventDefault();
      save();
    }
  });
  window.addEventListener('beforeunload', (event) => {
    if (state.dirty) {
      event.preventDefault();
      event.returnValue = '';
    }
  });
  showProblems(await api(`${draftUrl}/checks`));
  scheduleLint();
  // ?element=ID opens the editor with that element selected (links from problems and from the compare page).
  const wanted = new URLSearchParams(window.location.search).get('element');
  if (wanted && markers) {
    markers.focus(wanted);
  }
  root.dataset.ready = 'true';
}

async function openEditor(root, content, T, onChange) {
  const name = root.dataset.file;
  const canvas = document.getElementById('canvas');
  const panel = document.getElementById('properties');
  if (name.endsWith('.bpmn')) {
    const [forms, handlers] = await Promise.all([
      Promise.resolve(JSON.parse(root.dataset.forms)),
      api(root.dataset.handlers).then((answer) => answer.items),
    ]);
    const words = JSON.parse(root.dataset.modelerTexts || '{}');
    return bpmnEditor({ xml: content, canvas, panel, settings: { texts: T, forms, handlers, words }, onChange });
  }
  if (name.endsWith('.dmn')) {
    return dmnEditor({ xml: content, canvas, panel, words: JSON.parse(root.dataset.modelerTexts || '{}'), onChange });
  }
  document.querySelector('.workbench').hidden = true;
  document.getElementById('json-editor').hidden = false;
  return jsonEditor({
    content,
    area: document.getElementById('json-text'),
    preview: document.getElementById('preview'),
    previewUrl: root.dataset.preview,
    texts: T,
    onChange,
  });
}

// After a refused save, the owner's own text of the file as a download, so that reloading loses nothing.
async function keepMine(editor, name, label) {
  const link = document.createElement('a');
  link.id = 'keep-mine';
  link.textContent = label;
  link.download = name;
  link.href = URL.createObjectURL(new Blob([await editor.text()], { type: 'text/plain' }));
  return link;
}
