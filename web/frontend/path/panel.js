// The panel beside the path: the clicked element's state, its tasks (who, when, due against done), its timers,
// escalations and incidents, and its audit events (who, when, the data submitted). Words come translated from
// the page (data-labels); times are shown in the bank's time zone.

export class Panel {
  constructor(node, labels, timezone) {
    this.node = node;
    this.labels = labels;
    this.format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      dateStyle: 'short',
      timeStyle: 'short',
      timeZone: timezone || undefined,
    });
  }

  clear() {
    this.node.replaceChildren(this.el('p', 'muted', this.labels.pick));
    this.node.dataset.element = '';
  }

  when(value) {
    return value ? this.format.format(new Date(value)) : '—';
  }

  el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (content !== undefined && content !== null) {
      node.textContent = content;
    }
    return node;
  }

  section(title, rows) {
    if (!rows.length) {
      return [];
    }
    const list = this.el('ol');
    for (const row of rows) {
      list.append(row);
    }
    return [this.el('h4', null, title), list];
  }

  show(id, element, business) {
    const L = this.labels;
    const name = localized((element && element.name) || (business && business.name) || id);
    const parts = [this.el('h3', null, name), this.el('p', 'muted', id)];
    this.node.dataset.element = id;
    if (!element) {
      parts.push(this.el('p', 'muted', L.not_reached));
      this.node.replaceChildren(...parts);
      return;
    }
    const state = [];
    if (element.completed) {
      state.push(L.completed.replace('%(num)s', element.completed));
    }
    if (element.open) {
      state.push(L.open);
    }
    if (element.fired) {
      state.push(L.fired);
    }
    if (element.incident) {
      state.push(L.incident);
    }
    if (!state.length && element.cancelled) {
      state.push(L.cancelled);
    }
    parts.push(this.el('p', 'element-state', state.join(' · ')));
    parts.push(
      ...this.section(
        L.tasks,
        element.items.map((item) => {
          const li = this.el('li');
          const who = item.completed_by || item.assignee || '—';
          li.append(this.el('div', null, `${item.lane || ''} · ${L.states[item.state] || item.state} · ${who}`));
          li.append(this.el('div', null, `${L.ready} ${this.when(item.created_at)} · ${L.due} ${this.when(item.due_at)} · ${L.done} ${this.when(item.completed_at)}`));
          if (item.late_by_seconds) {
            li.append(this.el('div', 'late', `${L.late_by} ${duration(item.late_by_seconds)}`));
          }
          return li;
        }),
      ),
    );
    parts.push(
      ...this.section(
        L.timers,
        element.timers.map((t) => this.el('li', null, `${t.name} · ${L.due} ${this.when(t.due_at)} · ${t.fired_at ? `${L.fired_at} ${this.when(t.fired_at)}` : L.states[t.status] || t.status}`)),
      ),
    );
    parts.push(
      ...this.section(
        L.escalations,
        element.escalations.map((e) => this.el('li', null, `${this.when(e.at)} · ${e.step} · ${e.limit} · ${L.level} ${e.level}${e.recipient ? ` → ${e.recipient}` : ''}`)),
      ),
    );
    parts.push(
      ...this.section(
        L.incidents,
        element.incidents.map((i) => this.el('li', 'late', `${this.when(i.at)} · ${i.message}${i.resolved_at ? ` (${L.resolved} ${this.when(i.resolved_at)})` : ''}`)),
      ),
    );
    const events = element.events.map((e) => {
      const li = this.el('li');
      li.dataset.seq = e.seq;
      li.append(this.el('div', null, `${this.when(e.at)} · ${e.actor} · ${e.kind}`));
      if (e.details) {
        li.append(this.el('pre', null, e.details));
      }
      return li;
    });
    parts.push(...(events.length ? this.section(L.events, events) : [this.el('p', 'muted', L.no_events)]));
    this.node.replaceChildren(...parts);
  }
}

// The page-language half of a bilingual "English 中文" name (as the server's pages show it).
export function localized(text) {
  const at = text.search(/[\u3400-\u9fff]/);
  if (at <= 0) {
    return text;
  }
  return (document.documentElement.lang || '').startsWith('zh') ? text.slice(at).trim() : text.slice(0, at).trim();
}

export function duration(seconds) {
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    return `${hours} h ${minutes % 60} min`;
  }
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
