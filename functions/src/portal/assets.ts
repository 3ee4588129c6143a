/**
 * The portal's static files, held in memory: govuk-frontend's compiled CSS
 * (MIT) for its accessible patterns, and our own small stylesheet and script.
 *
 * The GOV.UK brand is not ours to use: the compiled CSS declares the GDS
 * Transport font (Crown copyright, for GOV.UK only), so its @font-face rules
 * and the font's name are taken out as the file is loaded, leaving arial; we
 * never use the crown or the GOV.UK header, and serve none of the package's
 * images or fonts. The CSS is found beside the Lambda bundle (copied there
 * at build) or in node_modules when run from a checkout.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly body: string;
  readonly contentType: string;
  readonly etag: string;
}

export const GOVUK_CSS_FILE = 'govuk-frontend.min.css';

function govukCss(): string {
  const beside = fileURLToPath(new URL(`./portal-assets/${GOVUK_CSS_FILE}`, import.meta.url));
  const file = existsSync(beside)
    ? beside
    : createRequire(import.meta.url).resolve(`govuk-frontend/dist/govuk/${GOVUK_CSS_FILE}`);
  return readFileSync(file, 'utf8')
    .replace(/@font-face\{[^}]*\}/g, '')
    .replace(/"?GDS Transport"?,\s*/g, '')
    .replace(/\/\*# sourceMappingURL=[^*]*\*\//g, '');
}

const PORTAL_CSS = `
.portal-header{background:#1d4f91;color:#fff;border-bottom:6px solid #0b2e5a}
.portal-header__inner{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.75rem 0}
.portal-header__service{color:#fff;font-weight:700;font-size:1.25rem;text-decoration:none}
.portal-header__service:hover{text-decoration:underline}
.portal-header__programme{color:#fff;font-size:1rem}
.portal-header__nav{flex:1 1 auto}
.portal-header__nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}
.portal-header__nav a,.portal-header__nav a:visited{color:#fff;font-size:1rem}
.portal-header__nav a[aria-current=page]{font-weight:700}
.portal-header__user{font-size:1rem;display:flex;align-items:center;gap:.75rem;flex-wrap:wrap}
.portal-header__user form{margin:0}
.portal-header__button{font:inherit;font-size:1rem;background:none;border:0;color:#fff;text-decoration:underline;cursor:pointer;padding:0}
.portal-header a:focus,.portal-header__button:focus{outline:3px solid transparent;color:#0b0c0c;background-color:#fd0;box-shadow:0 -2px #fd0,0 4px #0b0c0c;text-decoration:none}
.portal-findings td,.portal-findings th{vertical-align:top}
.portal-nowrap{white-space:nowrap}
.portal-counts{display:flex;flex-wrap:wrap;gap:1rem;margin-bottom:1.5rem;padding:0;list-style:none}
.portal-counts li{border-left:5px solid #b1b4b6;padding:.25rem .75rem}
.portal-counts .portal-counts--error{border-color:#d4351c}
.portal-counts .portal-counts--warning{border-color:#ffdd00}
.portal-grid-wrapper{overflow-x:auto}
.portal-grid th,.portal-grid td{vertical-align:top}
.portal-grid__detail{display:block;font-size:1rem;font-weight:400;color:#505a5f;margin-top:.25rem}
.portal-grid__totals th,.portal-grid__totals td{background:#f3f2f1}
.portal-legend li{display:flex;align-items:flex-start;gap:.75rem;margin-bottom:.5rem}
.portal-legend .govuk-tag{flex:0 0 13rem;max-width:none;box-sizing:border-box}
.portal-break{overflow-wrap:break-word}
.portal-contacts{font-weight:400}
.portal-non-submitters .govuk-tag{white-space:nowrap;max-width:none}
.portal-status .govuk-tag{max-width:none}
.portal-js-only{display:none}
.js-enabled .portal-js-only{display:block}
.staff-chart{margin-bottom:2.5rem;padding-top:1rem;border-top:1px solid #b1b4b6}
.staff-chart__figure svg{display:block;max-width:100%;height:auto}
.staff-chart__table{overflow-x:auto;margin-top:1rem}
.staff-chart__table:focus{outline:3px solid #fd0;outline-offset:0}
.chart-data{border-collapse:collapse;font-size:.875rem;min-width:100%}
.chart-data caption{text-align:left;font-weight:700;padding-bottom:.5rem}
.chart-data th,.chart-data td{border-bottom:1px solid #b1b4b6;padding:.35rem .75rem .35rem 0;text-align:left;vertical-align:top}
.chart-data td{white-space:nowrap}
.chart-data thead th{font-weight:700}
.chart-data tbody th{font-weight:400}
.staff-chart-index{columns:2}
.staff-downloads__range{display:flex;flex-wrap:wrap;gap:0 2rem}
.staff-verdict{text-align:left}
`;

/**
 * Progressive enhancement only; every page works without it.
 * - the "checking" page reloads itself every few seconds until the result is in;
 * - the upload form checks the chosen file (an .xlsx, not empty, under the
 *   cap) and that the form has not expired before posting to S3, whose own
 *   refusals are raw XML on its domain.
 */
const PORTAL_JS = `(function () {
  document.documentElement.className += ' js-enabled';
  var refresh = document.querySelector('[data-refresh-seconds]');
  if (refresh) {
    setTimeout(function () { window.location.reload(); }, Number(refresh.getAttribute('data-refresh-seconds')) * 1000);
  }
  var form = document.querySelector('form[data-upload-form]');
  if (!form) return;
  form.addEventListener('submit', function (event) {
    var input = form.querySelector('input[type=file]');
    var file = input && input.files && input.files[0];
    var max = Number(form.getAttribute('data-max-bytes'));
    var expires = Date.parse(form.getAttribute('data-expires-at'));
    var problem = '';
    if (Date.now() > expires - 5000) {
      event.preventDefault();
      window.location.reload();
      return;
    }
    if (!file) problem = 'Choose your return: the Excel file (.xlsx) you filled in.';
    else if (!/\\.xlsx$/i.test(file.name)) problem = 'The file must be an Excel workbook ending .xlsx. "' + file.name + '" is not. Save it from Excel as an Excel Workbook (.xlsx) and choose it again.';
    else if (file.size === 0) problem = 'The file "' + file.name + '" is empty. Choose the return you filled in.';
    else if (file.size > max) problem = 'The file "' + file.name + '" is ' + (file.size / 1048576).toFixed(1) + ' MB. A return can be at most ' + (max / 1048576) + ' MB: remove any pasted pictures or extra sheets and save it again.';
    if (!problem) return;
    event.preventDefault();
    var summary = document.getElementById('upload-problem');
    summary.querySelector('a').textContent = problem;
    summary.hidden = false;
    var group = form.querySelector('.govuk-form-group');
    group.className = 'govuk-form-group govuk-form-group--error';
    var message = document.getElementById('file-error');
    message.lastChild.textContent = problem;
    message.hidden = false;
    summary.focus();
  });
})();
`;

function asset(body: string, contentType: string): Asset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` };
}

let loaded: Map<string, Asset> | undefined;

export function portalAssets(): Map<string, Asset> {
  loaded ??= new Map([
    ['govuk-frontend.css', asset(govukCss(), 'text/css; charset=utf-8')],
    ['portal.css', asset(PORTAL_CSS, 'text/css; charset=utf-8')],
    ['portal.js', asset(PORTAL_JS, 'text/javascript; charset=utf-8')],
  ]);
  return loaded;
}
