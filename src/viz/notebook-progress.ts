/**
 * Progress in the notebook: each long-running task as one line in the cell output, updated in place.
 */
import * as crypto from 'node:crypto';
import { escapeXml } from '../util/escape';
import { ProgressSink, ProgressState, progressLine } from '../util/progress';
import { publish } from './kernel-bridge';


function progressHtml(s: ProgressState): string {
  const label = escapeXml(s.label);
  const detail = s.detail ? ' ' + escapeXml(s.detail) : '';
  if (s.finished) return `<div class="fd-progress" style="font-size:12px;color:#555">${label}: ${s.total}/${s.total} done${detail}</div>`;
  const secs = (s.elapsedMs / 1000).toFixed(1);
  return `<div class="fd-progress" style="font-size:12px;color:#333"><progress value="${s.done}" max="${s.total}" style="width:220px;vertical-align:middle"></progress> ${label} ${s.done}/${s.total} ${secs}s${detail}</div>`;
}

function progressText(s: ProgressState): string {
  // Finished lines carry no timing so that re-running a notebook gives identical saved outputs.
  return s.finished ? `${s.label}: ${s.total}/${s.total} done${s.detail ? ' ' + s.detail : ''}` : progressLine(s);
}

/**
 * A progress sink that shows each task as one line in the cell output, updated in place (Jupyter
 * `display_id`), ending as `label: N/N done`.
 *
 * @example
 * ```ts
 * setProgressSink(notebookProgressSink());
 * ```
 */
export function notebookProgressSink(): ProgressSink {
  const ids = new Map<number, string>();
  return {
    update(s) {
      const key = s.id ?? -1;
      let id = ids.get(key);
      const first = id === undefined;
      if (first) {
        id = 'fd-progress-' + crypto.randomBytes(6).toString('hex');
        ids.set(key, id);
      }
      publish({ 'text/html': progressHtml(s), 'text/plain': progressText(s) }, { displayId: id, update: !first });
      if (s.finished) ids.delete(key);
    },
  };
}

