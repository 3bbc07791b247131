/* global window, document, location, WebSocket, URLSearchParams, Node */
/**
 * OpenTill virtual reader screen (browser side). No framework, no build step: served as is by
 * packages/server/src/routes/screen-page.ts.
 *
 * It connects to the screen channel with the session token of the page URL, renders every
 * `{type: 'screen', state}` the server relays (contract: packages/protocol/src/reader-screen.ts),
 * and sends what the person in front of the reader does as `{type: 'input', input}`. The device
 * logic decides everything; this page only shows and forwards. It reconnects by itself when the
 * connection drops and keeps the last screen (dimmed) meanwhile.
 *
 * Test hooks: `body[data-screen]`, `body[data-seq]` and `body[data-connection]` tell which screen
 * is showing, the last sequence number and the connection state.
 */

const params = new URLSearchParams(location.search);
const token = params.get('token');
const readerId = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');

const screenEl = document.getElementById('screen');
const statusEl = document.getElementById('status');
const toastEl = document.getElementById('toast');
const connEl = document.getElementById('conn');
const connTextEl = document.getElementById('conn-text');
const labelEl = document.getElementById('reader-label');

// ---------------------------------------------------------------------------------------------
// Small helpers

/** Creates an element: attributes (`class`, `text`, `on…` listeners, booleans) and children. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

// ---------------------------------------------------------------------------------------------
// Language: `?lang=` wins, else the reader's (the server derives it from the country of the reader's
// location, packages/protocol screenLanguageFor), else English. One language at a time.

const languages = ['en', 'fr', 'de', 'es', 'it', 'nl'];
const requestedLanguage = (params.get('lang') || '').toLowerCase();
let lang = languages.includes(requestedLanguage) ? requestedLanguage : 'en';
let country = null;

/** Other languages, keyed by the English text (French is written beside English at each call). */
const dictionaries = {
  de: {
    'Add a tip?': 'Trinkgeld hinzufügen?',
    Amount: 'Betrag',
    Cancel: 'Abbrechen',
    'Choose an option': 'Wählen Sie eine Option',
    Clear: 'Löschen',
    Connected: 'Verbunden',
    'Connecting…': 'Verbinden…',
    'Custom amount': 'Anderer Betrag',
    'Digits only': 'Nur Ziffern',
    Disconnected: 'Getrennt',
    'Do not remove the card': 'Karte nicht entfernen',
    Enter: 'Bestätigen',
    'Enter your PIN': 'PIN eingeben',
    'Entry mode': 'Lesemodus',
    'Incorrect PIN': 'Falsche PIN',
    'Invalid amount': 'Ungültiger Betrag',
    'Invalid email address': 'Ungültige E-Mail-Adresse',
    'Invalid phone number': 'Ungültige Telefonnummer',
    Items: 'Artikel',
    Keypad: 'Tastenfeld',
    'No tip': 'Kein Trinkgeld',
    'Not accepted': 'Nicht akzeptiert',
    Offline: 'Offline',
    Payment: 'Zahlung',
    'Please sign': 'Bitte unterschreiben',
    Processing: 'Verarbeitung',
    'Processing…': 'Wird verarbeitet…',
    'Reader not connected — try again': 'Lesegerät nicht verbunden – bitte erneut versuchen',
    'Reader offline': 'Lesegerät offline',
    'Reader ready': 'Lesegerät bereit',
    Ready: 'Bereit',
    'Reconnecting…': 'Neu verbinden…',
    'Reconnecting… (link expired?)': 'Neu verbinden… (Link abgelaufen?)',
    Refund: 'Erstattung',
    'Remove card': 'Karte entfernen',
    Required: 'Pflichtfeld',
    'Save card': 'Karte speichern',
    'Signature pad': 'Unterschriftsfeld',
    'Simulate a card': 'Karte simulieren',
    Skip: 'Überspringen',
    Submit: 'Senden',
    'Tap, insert or swipe': 'Karte auflegen, einstecken oder durchziehen',
    'Test cards': 'Testkarten',
    'The session may have expired: open a new link.':
      'Die Sitzung ist vielleicht abgelaufen: Öffnen Sie einen neuen Link.',
    Total: 'Gesamt',
    'Waiting for the reader to reconnect…': 'Warten auf die Verbindung…',
    Welcome: 'Willkommen',
    'Your order': 'Ihre Bestellung',
    'digit(s) entered': 'Ziffer(n) eingegeben',
    'Attempts left:': 'Verbleibende Versuche:',
    Tip: 'Trinkgeld',
    Cards: 'Karten',
    Wallets: 'Wallets',
    Declines: 'Ablehnungen',
    PIN: 'PIN',
    Tap: 'Kontaktlos',
    Insert: 'Einstecken',
    Swipe: 'Durchziehen',
    Approved: 'Genehmigt',
    Declined: 'Abgelehnt',
    Canceled: 'Abgebrochen',
    Error: 'Fehler',
    'Unknown screen': 'Unbekannter Bildschirm',
    'Cannot connect': 'Verbindung nicht möglich',
    'Missing session': 'Sitzung fehlt',
    Step: 'Schritt',
  },
  es: {
    'Add a tip?': '¿Añadir propina?',
    Amount: 'Importe',
    Cancel: 'Cancelar',
    'Choose an option': 'Elija una opción',
    Clear: 'Borrar',
    Connected: 'Conectado',
    'Connecting…': 'Conectando…',
    'Custom amount': 'Otro importe',
    'Digits only': 'Solo dígitos',
    Disconnected: 'Desconectado',
    'Do not remove the card': 'No retire la tarjeta',
    Enter: 'Aceptar',
    'Enter your PIN': 'Introduzca su PIN',
    'Entry mode': 'Modo de lectura',
    'Incorrect PIN': 'PIN incorrecto',
    'Invalid amount': 'Importe no válido',
    'Invalid email address': 'Correo electrónico no válido',
    'Invalid phone number': 'Número de teléfono no válido',
    Items: 'Artículos',
    Keypad: 'Teclado',
    'No tip': 'Sin propina',
    'Not accepted': 'No aceptado',
    Offline: 'Sin conexión',
    Payment: 'Pago',
    'Please sign': 'Firme aquí',
    Processing: 'Procesando',
    'Processing…': 'Procesando…',
    'Reader not connected — try again': 'Lector no conectado: inténtelo de nuevo',
    'Reader offline': 'Lector sin conexión',
    'Reader ready': 'Lector listo',
    Ready: 'Listo',
    'Reconnecting…': 'Reconectando…',
    'Reconnecting… (link expired?)': 'Reconectando… (¿enlace caducado?)',
    Refund: 'Reembolso',
    'Remove card': 'Retire la tarjeta',
    Required: 'Obligatorio',
    'Save card': 'Guardar tarjeta',
    'Signature pad': 'Área de firma',
    'Simulate a card': 'Simular una tarjeta',
    Skip: 'Omitir',
    Submit: 'Enviar',
    'Tap, insert or swipe': 'Acerque, inserte o deslice la tarjeta',
    'Test cards': 'Tarjetas de prueba',
    'The session may have expired: open a new link.': 'Puede que la sesión haya caducado: abra un enlace nuevo.',
    Total: 'Total',
    'Waiting for the reader to reconnect…': 'Esperando la conexión…',
    Welcome: 'Bienvenido',
    'Your order': 'Su pedido',
    'digit(s) entered': 'dígito(s) introducido(s)',
    'Attempts left:': 'Intentos restantes:',
    Tip: 'Propina',
    Cards: 'Tarjetas',
    Wallets: 'Monederos',
    Declines: 'Rechazos',
    PIN: 'PIN',
    Tap: 'Sin contacto',
    Insert: 'Insertar',
    Swipe: 'Deslizar',
    Approved: 'Aprobado',
    Declined: 'Rechazado',
    Canceled: 'Cancelado',
    Error: 'Error',
    'Unknown screen': 'Pantalla desconocida',
    'Cannot connect': 'No se puede conectar',
    'Missing session': 'Falta la sesión',
    Step: 'Paso',
  },
  it: {
    'Add a tip?': 'Aggiungere una mancia?',
    Amount: 'Importo',
    Cancel: 'Annulla',
    'Choose an option': "Scegli un'opzione",
    Clear: 'Cancella',
    Connected: 'Connesso',
    'Connecting…': 'Connessione…',
    'Custom amount': 'Altro importo',
    'Digits only': 'Solo cifre',
    Disconnected: 'Disconnesso',
    'Do not remove the card': 'Non rimuovere la carta',
    Enter: 'Conferma',
    'Enter your PIN': 'Inserisci il PIN',
    'Entry mode': 'Modalità di lettura',
    'Incorrect PIN': 'PIN errato',
    'Invalid amount': 'Importo non valido',
    'Invalid email address': 'Indirizzo email non valido',
    'Invalid phone number': 'Numero di telefono non valido',
    Items: 'Articoli',
    Keypad: 'Tastierino',
    'No tip': 'Nessuna mancia',
    'Not accepted': 'Non accettato',
    Offline: 'Offline',
    Payment: 'Pagamento',
    'Please sign': 'Firma qui',
    Processing: 'Elaborazione',
    'Processing…': 'Elaborazione in corso…',
    'Reader not connected — try again': 'Lettore non connesso: riprova',
    'Reader offline': 'Lettore offline',
    'Reader ready': 'Lettore pronto',
    Ready: 'Pronto',
    'Reconnecting…': 'Riconnessione…',
    'Reconnecting… (link expired?)': 'Riconnessione… (link scaduto?)',
    Refund: 'Rimborso',
    'Remove card': 'Rimuovi la carta',
    Required: 'Obbligatorio',
    'Save card': 'Salva la carta',
    'Signature pad': 'Area firma',
    'Simulate a card': 'Simula una carta',
    Skip: 'Salta',
    Submit: 'Invia',
    'Tap, insert or swipe': 'Avvicina, inserisci o striscia la carta',
    'Test cards': 'Carte di test',
    'The session may have expired: open a new link.': 'La sessione potrebbe essere scaduta: apri un nuovo link.',
    Total: 'Totale',
    'Waiting for the reader to reconnect…': 'In attesa della connessione…',
    Welcome: 'Benvenuto',
    'Your order': 'Il tuo ordine',
    'digit(s) entered': 'cifre inserite',
    'Attempts left:': 'Tentativi rimasti:',
    Tip: 'Mancia',
    Cards: 'Carte',
    Wallets: 'Wallet',
    Declines: 'Rifiuti',
    PIN: 'PIN',
    Tap: 'Contactless',
    Insert: 'Inserisci',
    Swipe: 'Striscia',
    Approved: 'Approvato',
    Declined: 'Rifiutato',
    Canceled: 'Annullato',
    Error: 'Errore',
    'Unknown screen': 'Schermata sconosciuta',
    'Cannot connect': 'Impossibile connettersi',
    'Missing session': 'Sessione mancante',
    Step: 'Passaggio',
  },
  nl: {
    'Add a tip?': 'Fooi toevoegen?',
    Amount: 'Bedrag',
    Cancel: 'Annuleren',
    'Choose an option': 'Kies een optie',
    Clear: 'Wissen',
    Connected: 'Verbonden',
    'Connecting…': 'Verbinden…',
    'Custom amount': 'Ander bedrag',
    'Digits only': 'Alleen cijfers',
    Disconnected: 'Verbinding verbroken',
    'Do not remove the card': 'Verwijder de kaart niet',
    Enter: 'Bevestigen',
    'Enter your PIN': 'Voer uw pincode in',
    'Entry mode': 'Leesmethode',
    'Incorrect PIN': 'Onjuiste pincode',
    'Invalid amount': 'Ongeldig bedrag',
    'Invalid email address': 'Ongeldig e-mailadres',
    'Invalid phone number': 'Ongeldig telefoonnummer',
    Items: 'Artikelen',
    Keypad: 'Toetsenblok',
    'No tip': 'Geen fooi',
    'Not accepted': 'Niet geaccepteerd',
    Offline: 'Offline',
    Payment: 'Betaling',
    'Please sign': 'Onderteken hier',
    Processing: 'Verwerken',
    'Processing…': 'Bezig met verwerken…',
    'Reader not connected — try again': 'Lezer niet verbonden – probeer het opnieuw',
    'Reader offline': 'Lezer offline',
    'Reader ready': 'Lezer gereed',
    Ready: 'Gereed',
    'Reconnecting…': 'Opnieuw verbinden…',
    'Reconnecting… (link expired?)': 'Opnieuw verbinden… (link verlopen?)',
    Refund: 'Terugbetaling',
    'Remove card': 'Verwijder de kaart',
    Required: 'Verplicht',
    'Save card': 'Kaart opslaan',
    'Signature pad': 'Handtekeningveld',
    'Simulate a card': 'Kaart simuleren',
    Skip: 'Overslaan',
    Submit: 'Verzenden',
    'Tap, insert or swipe': 'Houd de kaart tegen de lezer, steek hem in of haal hem door',
    'Test cards': 'Testkaarten',
    'The session may have expired: open a new link.': 'De sessie is misschien verlopen: open een nieuwe link.',
    Total: 'Totaal',
    'Waiting for the reader to reconnect…': 'Wachten op verbinding…',
    Welcome: 'Welkom',
    'Your order': 'Uw bestelling',
    'digit(s) entered': 'cijfer(s) ingevoerd',
    'Attempts left:': 'Resterende pogingen:',
    Tip: 'Fooi',
    Cards: 'Kaarten',
    Wallets: 'Wallets',
    Declines: 'Weigeringen',
    PIN: 'Pincode',
    Tap: 'Contactloos',
    Insert: 'Insteken',
    Swipe: 'Doorhalen',
    Approved: 'Goedgekeurd',
    Declined: 'Geweigerd',
    Canceled: 'Geannuleerd',
    Error: 'Fout',
    'Unknown screen': 'Onbekend scherm',
    'Cannot connect': 'Kan geen verbinding maken',
    'Missing session': 'Sessie ontbreekt',
    Step: 'Stap',
  },
};

/** The text in the screen's language (French and English are given at each call; others come from the dictionaries). */
function tx(fr, en) {
  if (lang === 'fr') return fr;
  if (lang === 'en') return en;
  return (dictionaries[lang] && dictionaries[lang][en]) || en;
}

/** A text element in the screen's language. */
function bi(fr, en, cls) {
  return h('span', { class: 'bi' + (cls ? ' ' + cls : ''), lang, text: tx(fr, en) });
}

/** The locale for numbers and money: the language in the location's country. */
function locale() {
  const defaults = { en: 'US', fr: 'FR', de: 'DE', es: 'ES', it: 'IT', nl: 'NL' };
  return lang + '-' + (country || defaults[lang]);
}

const vatCountries = new Set([
  'AT',
  'BE',
  'BG',
  'CH',
  'CY',
  'CZ',
  'DE',
  'DK',
  'EE',
  'ES',
  'FI',
  'FR',
  'GB',
  'GR',
  'HR',
  'HU',
  'IE',
  'IT',
  'LI',
  'LT',
  'LU',
  'LV',
  'MT',
  'NL',
  'NO',
  'PL',
  'PT',
  'RO',
  'SE',
  'SI',
  'SK',
]);

/** What the cart calls its tax: the country's name for it, in the screen's language. */
function taxLabel() {
  if (lang === 'fr') return country === 'CA' ? 'Taxes' : 'TVA';
  if (lang === 'de') return 'MwSt.';
  if (lang === 'es' || lang === 'it') return 'IVA';
  if (lang === 'nl') return 'btw';
  if (vatCountries.has(country)) return 'VAT';
  if (['AU', 'NZ', 'SG', 'MY'].includes(country)) return 'GST';
  return 'Tax';
}

/** The reader's language and country arrived (or changed): everything is drawn again in it. */
function setLanguage(readerLanguage, readerCountry) {
  const next = languages.includes(requestedLanguage)
    ? requestedLanguage
    : languages.includes(readerLanguage)
      ? readerLanguage
      : 'en';
  const nextCountry = typeof readerCountry === 'string' && /^[A-Z]{2}$/.test(readerCountry) ? readerCountry : null;
  if (next === lang && nextCountry === country) return false;
  lang = next;
  country = nextCountry;
  moneyFormats.clear();
  document.documentElement.lang = lang;
  return true;
}

/** A trusted, constant SVG icon (never built from server data). */
function icon(name, cls) {
  const el = h('span', { class: 'icon icon-' + name + (cls ? ' ' + cls : ''), 'aria-hidden': 'true' });
  el.innerHTML = ICONS[name] || '';
  return el;
}

const svg = (body, viewBox) =>
  '<svg viewBox="' +
  (viewBox || '0 0 48 48') +
  '" fill="none" stroke="currentColor" ' +
  'stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round">' +
  body +
  '</svg>';
const ICONS = {
  contactless: svg(
    '<path d="M14 14c3 3 4.5 6.3 4.5 10S17 31 14 34"/><path d="M21.5 9.5c4.2 4.2 6.3 9 6.3 14.5s-2.1 10.3-6.3 14.5"/>' +
      '<path d="M29 5c5.5 5.5 8.3 11.8 8.3 19S34.5 37.5 29 43"/>',
  ),
  check: svg('<path d="M12 25l8 8 16-17"/>'),
  cross: svg('<path d="M15 15l18 18M33 15L15 33"/>'),
  ban: svg('<circle cx="24" cy="24" r="14"/><path d="M14 34l20-20"/>'),
  alert: svg('<path d="M24 14v12"/><path d="M24 33v.5"/>'),
  offline: svg(
    '<path d="M6 18c10-9 26-9 36 0"/><path d="M12 25c7-6 17-6 24 0"/><path d="M18 32c3.5-3 8.5-3 12 0"/>' +
      '<path d="M24 39v.5"/><path d="M8 8l32 32"/>',
  ),
  lock: svg('<rect x="12" y="21" width="24" height="18" rx="3"/><path d="M17 21v-5a7 7 0 0 1 14 0v5"/>'),
  back: svg('<path d="M18 12h22v24H18L7 24z"/><path d="M24 19l10 10M34 19L24 29"/>'),
  card: svg('<rect x="6" y="12" width="36" height="24" rx="4"/><path d="M6 19h36"/>'),
  insert: svg(
    '<rect x="13" y="6" width="22" height="30" rx="3"/><rect x="19" y="24" width="10" height="8" rx="1.5"/><path d="M24 40v4M20 41l4 4 4-4"/>',
  ),
  swipe: svg(
    '<rect x="6" y="14" width="30" height="20" rx="3"/><path d="M6 20h30"/><path d="M38 24h6M41 21l3 3-3 3"/>',
  ),
};

const zeroDecimal = new Set();
/** Per currency, in the current locale (cleared when the language changes). */
const moneyFormats = new Map();
/** Formats an amount in the currency's minor unit (1000 eur → 10,00 €). */
function money(amount, currency) {
  if (amount === null || amount === undefined || !currency) return '';
  const code = String(currency).toUpperCase();
  let format = moneyFormats.get(code);
  if (!format) {
    try {
      format = new Intl.NumberFormat(locale(), { style: 'currency', currency: code });
    } catch {
      format = null;
    }
    moneyFormats.set(code, format);
    if (format && format.resolvedOptions().maximumFractionDigits === 0) zeroDecimal.add(code);
  }
  if (!format) return (amount / 100).toFixed(2) + ' ' + code;
  return format.format(amount / Math.pow(10, format.resolvedOptions().maximumFractionDigits));
}

/** Parses an amount typed by a person ("2,50", "2.5", "3") into the currency's minor unit. */
function parseMoney(text, currency) {
  const cleaned = String(text).replace(/\s/g, '').replace(',', '.');
  if (!/^\d+(\.\d{0,2})?$/.test(cleaned)) return null;
  money(0, currency);
  const digits = zeroDecimal.has(String(currency).toUpperCase()) ? 0 : 2;
  return Math.round(Number(cleaned) * Math.pow(10, digits));
}

const deviceNames = {
  simulated_wisepos_e: 'BBPOS WisePOS E',
  bbpos_wisepos_e: 'BBPOS WisePOS E',
  simulated_s700: 'Stripe Reader S700',
  stripe_s700: 'Stripe Reader S700',
  simulated_s710: 'Stripe Reader S710',
  stripe_s710: 'Stripe Reader S710',
  simulated_v660p: 'Verifone V660p',
  verifone_v660p: 'Verifone V660p',
  simulated_t600: 'Stripe Reader T600',
  simulated_m425: 'Verifone M425',
  simulated_p630: 'Verifone P630',
  simulated_ux700: 'Verifone UX700',
  verifone_P400: 'Verifone P400',
  bbpos_wisepad3: 'BBPOS WisePad 3',
};
const deviceName = (type) => deviceNames[type] || String(type || '').replace(/_/g, ' ');

// ---------------------------------------------------------------------------------------------
// State

let reader = { id: readerId, label: readerId, device_type: '', status: null };
let state = null;
let stateJson = '';
let lastSeq = -1;
/** What the person did on the current screen that the server has not seen yet. */
let local = {};
/** Remembered across screens: the entry mode and picker tab chosen last. */
const prefs = { readMethod: 'contactless_emv', tab: 'brands', inserted: false };
let pending = false;
let pendingTimer = null;

/** While an input is on its way, the screen's controls are disabled (no double payments). */
function setPending(on) {
  pending = on;
  clearTimeout(pendingTimer);
  applyPending();
  // An input the device never answered must not freeze the screen.
  if (on) pendingTimer = setTimeout(() => setPending(false), 6000);
}

function applyPending() {
  document.body.classList.toggle('pending', pending);
  for (const el of screenEl.querySelectorAll('button, input, textarea')) {
    el.disabled = pending || el.dataset.disabled === 'true';
  }
}

function announce(text) {
  statusEl.textContent = '';
  setTimeout(() => {
    statusEl.textContent = text;
  }, 30);
}

let toastTimer = null;
function toast(text) {
  toastEl.textContent = text;
  toastEl.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toastEl.hidden = true;
  }, 4000);
}

function send(input) {
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    toast(tx('Lecteur non connecté — réessayez', 'Reader not connected — try again'));
    return false;
  }
  socket.send(JSON.stringify({ type: 'input', input }));
  setPending(true);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Screens

/** The common frame of a screen: an optional eyebrow, a main area and sticky actions. */
function layout(name, opts, main, actions) {
  return h(
    'section',
    { class: 'view view-' + name + (opts.tone ? ' tone-' + opts.tone : ''), 'aria-labelledby': 'view-title' },
    opts.eyebrow ? h('p', { class: 'eyebrow' }, opts.eyebrow) : null,
    h('div', { class: 'view-main' }, main),
    actions && actions.length ? h('div', { class: 'actions' }, actions) : null,
  );
}

function title(fr, en, cls) {
  return h('h1', { id: 'view-title', class: 'title' + (cls ? ' ' + cls : ''), tabindex: '-1' }, bi(fr, en));
}

function cancelButton(label) {
  return h(
    'button',
    { type: 'button', class: 'btn btn-cancel', 'data-action': 'cancel', onclick: () => send({ type: 'cancel' }) },
    icon('cross', 'btn-icon'),
    label || bi('Annuler', 'Cancel'),
  );
}

function amountBlock(amount, currency, caption) {
  return h(
    'div',
    { class: 'amount-block' },
    caption ? h('p', { class: 'amount-caption' }, caption) : null,
    h('p', { class: 'amount', 'data-testid': 'amount', text: money(amount, currency) }),
  );
}

function renderSplash(s) {
  return layout('splash', {}, [
    h(
      'div',
      { class: 'brand-mark', 'aria-hidden': 'true' },
      h('span', { class: 'brand-o' }),
      h('span', { class: 'brand-t', text: 'OpenTill' }),
    ),
    h('h1', { id: 'view-title', class: 'title splash-label', tabindex: '-1', text: reader.label || reader.id }),
    h('p', { class: 'muted device-name', text: deviceName(reader.device_type) }),
    s.message ? h('p', { class: 'splash-message', text: s.message }) : bi('Bienvenue', 'Welcome', 'splash-welcome'),
    h(
      'p',
      { class: 'reader-status', 'data-status': reader.status || 'unknown' },
      h('span', { class: 'dot', 'aria-hidden': 'true' }),
      reader.status === 'offline' ? bi('Hors ligne', 'Offline') : bi('Prêt', 'Ready'),
    ),
  ]);
}

function renderCart(s) {
  const cart = s.cart;
  const rows = cart.line_items.map((item) =>
    h(
      'li',
      { class: 'cart-line' },
      h('span', { class: 'qty', text: item.quantity + ' ×' }),
      h('span', { class: 'desc', text: item.description }),
      h('span', { class: 'price', text: money(item.amount * item.quantity, cart.currency) }),
    ),
  );
  return layout('cart', { eyebrow: bi('Votre commande', 'Your order') }, [
    h('ul', { class: 'cart-lines', 'aria-label': tx('Articles', 'Items') }, rows),
    h(
      'dl',
      { class: 'cart-totals' },
      cart.tax !== null && cart.tax !== undefined
        ? [
            h('dt', {}, h('span', { class: 'bi', lang, text: taxLabel() })),
            h('dd', { text: money(cart.tax, cart.currency) }),
          ]
        : null,
      h('dt', { class: 'total' }, bi('Total', 'Total')),
      h('dd', { class: 'total', 'data-testid': 'cart-total', text: money(cart.total, cart.currency) }),
    ),
    h('h1', { id: 'view-title', class: 'sr-only', tabindex: '-1', text: 'Total ' + money(cart.total, cart.currency) }),
  ]);
}

const readMethods = {
  contactless_emv: { fr: 'Sans contact', en: 'Tap', icon: 'contactless' },
  contact_emv: { fr: 'Insérer', en: 'Insert', icon: 'insert' },
  magnetic_stripe_track2: { fr: 'Glisser', en: 'Swipe', icon: 'swipe' },
};
const wallets = {
  apple_pay: 'Apple Pay',
  google_pay: 'Google Pay',
  samsung_pay: 'Samsung Pay',
};
const brandMarks = {
  visa: 'VISA',
  mastercard: 'mastercard',
  amex: 'AMEX',
  discover: 'DISCOVER',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  interac: 'Interac',
  eftpos_au: 'eftpos',
  cartes_bancaires: 'CB',
  girocard: 'girocard',
};

function cardGroup(card) {
  if (/pin/.test(card.name)) return 'pin';
  if (/^charge_declined|fail/.test(card.name)) return 'declines';
  return 'brands';
}

function cardButton(card, onPick) {
  const last4 = card.number.slice(-4);
  return h(
    'button',
    {
      type: 'button',
      class: 'card-option',
      'data-card': card.name,
      'data-brand': card.brand,
      'aria-label': card.label + ', •••• ' + last4,
      onclick: () => onPick(card),
    },
    h(
      'span',
      { class: 'card-art brand-' + card.brand, 'aria-hidden': 'true' },
      h('span', { class: 'card-chip' }),
      h('span', { class: 'card-mark', text: brandMarks[card.brand] || card.brand }),
    ),
    h(
      'span',
      { class: 'card-text' },
      h('span', { class: 'card-label', text: card.label }),
      h('span', { class: 'card-number', text: '•••• ' + last4 }),
    ),
  );
}

function renderCollect(s) {
  const methods = s.read_methods && s.read_methods.length ? s.read_methods : ['contactless_emv'];
  if (!methods.includes(prefs.readMethod)) prefs.readMethod = methods[0];
  const groups = { brands: [], wallets: [], declines: [], pin: [] };
  for (const card of s.cards) groups[cardGroup(card)].push(card);
  const canWallet = s.wallets && s.wallets.length && methods.includes('contactless_emv');
  const tabs = [
    ['brands', 'Cartes', 'Cards'],
    ['wallets', 'Wallets', 'Wallets'],
    ['declines', 'Refus', 'Declines'],
    ['pin', 'PIN', 'PIN'],
  ].filter(([id]) => (id === 'wallets' ? canWallet : groups[id].length > 0));
  if (!tabs.some(([id]) => id === prefs.tab)) prefs.tab = tabs.length ? tabs[0][0] : 'brands';

  const present = (card) => {
    prefs.inserted = prefs.readMethod === 'contact_emv';
    send({ type: 'present_card', number: card.number, read_method: prefs.readMethod, wallet: null });
  };
  const presentWallet = (wallet) => {
    const card = groups.brands[0] || s.cards[0];
    if (!card) return;
    prefs.inserted = false;
    send({ type: 'present_card', number: card.number, read_method: 'contactless_emv', wallet });
  };

  const purpose = {
    payment: bi('Paiement', 'Payment'),
    setup: bi('Enregistrer la carte', 'Save card'),
    refund: bi('Remboursement', 'Refund'),
  }[s.purpose];

  const modeGroup = h(
    'div',
    { class: 'segmented', role: 'group', 'aria-label': tx('Mode de lecture', 'Entry mode') },
    methods.map((m) =>
      h(
        'button',
        {
          type: 'button',
          class: 'seg',
          'data-read-method': m,
          'aria-pressed': String(prefs.readMethod === m),
          onclick: () => {
            prefs.readMethod = m;
            rerender();
          },
        },
        icon(readMethods[m].icon, 'seg-icon'),
        bi(readMethods[m].fr, readMethods[m].en),
      ),
    ),
  );

  const tabList = h(
    'div',
    { class: 'tabs', role: 'tablist', 'aria-label': tx('Cartes de test', 'Test cards') },
    tabs.map(([id, fr, en]) =>
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: 'tab-' + id,
          class: 'tab',
          'data-tab': id,
          'aria-selected': String(prefs.tab === id),
          'aria-controls': 'card-panel',
          onclick: () => {
            prefs.tab = id;
            rerender();
          },
        },
        fr === en ? fr : bi(fr, en),
      ),
    ),
  );

  let panelBody;
  if (prefs.tab === 'wallets') {
    panelBody = h(
      'div',
      { class: 'wallet-grid' },
      s.wallets.map((w) =>
        h(
          'button',
          {
            type: 'button',
            class: 'wallet-option wallet-' + w,
            'data-wallet': w,
            onclick: () => presentWallet(w),
          },
          h('span', { class: 'wallet-name', text: wallets[w] || w }),
        ),
      ),
    );
  } else {
    panelBody = h(
      'div',
      { class: 'card-grid' },
      (groups[prefs.tab] || []).map((card) => cardButton(card, present)),
    );
  }

  return layout(
    'collect',
    { eyebrow: purpose },
    [
      amountBlock(s.purpose === 'setup' ? null : s.amount, s.currency),
      h(
        'div',
        { class: 'prompt-row' },
        h(
          'div',
          { class: 'tap-zone' + (prefs.readMethod === 'contactless_emv' ? ' pulsing' : ''), 'aria-hidden': 'true' },
          icon(readMethods[prefs.readMethod].icon, 'tap-icon'),
        ),
        title('Présentez, insérez ou glissez la carte', 'Tap, insert or swipe', 'prompt'),
      ),
      h(
        'div',
        { class: 'picker' },
        h('p', { class: 'picker-title' }, bi('Simuler une carte', 'Simulate a card')),
        modeGroup,
        tabList,
        h(
          'div',
          { class: 'card-panel', id: 'card-panel', role: 'tabpanel', 'aria-labelledby': 'tab-' + prefs.tab },
          panelBody,
        ),
      ),
    ],
    s.cancelable ? [cancelButton()] : [],
  );
}

function renderTip(s) {
  const options = s.options.filter((o) => o.amount > 0);
  const chooseTip = (amount) => send({ type: 'choose_tip', amount });
  const custom = local.customTip;
  const children = [
    amountBlock(s.amount, s.currency, bi('Montant', 'Amount')),
    title('Ajouter un pourboire ?', 'Add a tip?'),
    h(
      'div',
      { class: 'tip-grid' },
      options.map((o) =>
        h(
          'button',
          {
            type: 'button',
            class: 'tip-option',
            'data-tip': String(o.amount),
            onclick: () => chooseTip(o.amount),
          },
          // A fixed amount is labelled as money by the server ("€2.00"): the label says it all. A label in raw
          // minor units ("200", older devices) is shown as money; a percentage or a word gets its amount below.
          o.label === String(o.amount)
            ? h('span', { class: 'tip-label', text: money(o.amount, s.currency) })
            : /\d/.test(o.label) && !o.label.includes('%')
              ? h('span', { class: 'tip-label', text: o.label })
              : [
                  h('span', { class: 'tip-label', text: o.label }),
                  h('span', { class: 'tip-amount', text: money(o.amount, s.currency) }),
                ],
        ),
      ),
    ),
  ];
  if (s.custom_allowed) {
    if (custom === undefined) {
      children.push(
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-secondary',
            'data-action': 'custom-tip',
            onclick: () => {
              local.customTip = '';
              rerender();
              const el = document.getElementById('custom-tip');
              if (el) el.focus();
            },
          },
          bi('Autre montant', 'Custom amount'),
        ),
      );
    } else {
      const error = h('p', { class: 'field-error', id: 'custom-tip-error', role: 'alert' });
      const input = h('input', {
        id: 'custom-tip',
        class: 'field-input',
        type: 'text',
        inputmode: 'decimal',
        autocomplete: 'off',
        value: custom,
        'aria-describedby': 'custom-tip-error',
        placeholder: (0).toLocaleString(locale(), { minimumFractionDigits: 2 }),
        oninput: (e) => {
          local.customTip = e.target.value;
        },
      });
      const submit = (e) => {
        e.preventDefault();
        const amount = parseMoney(input.value, s.currency);
        if (amount === null) {
          error.textContent = tx('Montant invalide', 'Invalid amount');
          input.setAttribute('aria-invalid', 'true');
          return;
        }
        chooseTip(amount);
      };
      children.push(
        h(
          'form',
          { class: 'custom-tip', onsubmit: submit },
          h(
            'label',
            { for: 'custom-tip', class: 'field-label' },
            bi('Pourboire', 'Tip'),
            ' (' + String(s.currency).toUpperCase() + ')',
          ),
          h(
            'div',
            { class: 'inline-field' },
            input,
            h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'custom-tip-ok' }, bi('OK', 'OK')),
          ),
          error,
        ),
      );
    }
  }
  const actions = [
    h(
      'button',
      { type: 'button', class: 'btn btn-secondary', 'data-action': 'no-tip', onclick: () => chooseTip(0) },
      bi('Sans pourboire', 'No tip'),
    ),
  ];
  if (s.cancelable) actions.push(cancelButton());
  return layout('tip', {}, children, actions);
}

function renderPin(s) {
  if (local.pin === undefined) local.pin = '';
  const max = 12;
  const shown = Math.max(4, local.pin.length);
  const dots = h(
    'div',
    {
      class: 'pin-dots',
      role: 'img',
      'data-testid': 'pin-dots',
      'aria-label': local.pin.length + ' ' + tx('chiffre(s) saisi(s)', 'digit(s) entered'),
    },
    Array.from({ length: shown }, (_, i) => h('span', { class: 'pin-dot' + (i < local.pin.length ? ' filled' : '') })),
  );
  const key = (digit) =>
    h(
      'button',
      {
        type: 'button',
        class: 'key',
        'data-key': digit,
        'aria-label': digit,
        onclick: () => {
          if (local.pin.length < max) {
            local.pin += digit;
            rerender();
          }
        },
      },
      digit,
    );
  const canSubmit = local.pin.length >= 4;
  const pad = h(
    'div',
    { class: 'keypad', role: 'group', 'aria-label': tx('Clavier', 'Keypad') },
    ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map(key),
    h(
      'button',
      {
        type: 'button',
        class: 'key key-clear',
        'data-key': 'clear',
        'aria-label': tx('Corriger', 'Clear'),
        onclick: () => {
          local.pin = local.pin.slice(0, -1);
          rerender();
        },
      },
      icon('back', 'key-icon'),
    ),
    key('0'),
    h(
      'button',
      {
        type: 'button',
        class: 'key key-ok',
        'data-key': 'ok',
        'aria-label': tx('Valider', 'Enter'),
        'data-disabled': String(!canSubmit),
        disabled: !canSubmit || pending,
        onclick: () => {
          if (local.pin.length >= 4) {
            const pin = local.pin;
            local.pin = '';
            send({ type: 'enter_pin', pin });
            rerender();
          }
        },
      },
      icon('check', 'key-icon'),
    ),
  );
  return layout(
    'pin',
    {},
    [
      amountBlock(s.amount, s.currency),
      h('div', { class: 'pin-head' }, icon('lock', 'pin-lock'), title('Saisissez votre code', 'Enter your PIN')),
      dots,
      h(
        'p',
        { class: 'attempts' + (s.attempts_left <= 1 ? ' last' : ''), 'data-testid': 'attempts' },
        bi('Essais restants :', 'Attempts left:'),
        ' ' + s.attempts_left,
      ),
      pad,
    ],
    s.cancelable ? [cancelButton()] : [],
  );
}

function renderProcessing(s) {
  return layout('processing', {}, [
    amountBlock(s.amount, s.currency),
    h('div', { class: 'spinner', role: 'progressbar', 'aria-label': tx('Traitement', 'Processing') }),
    title('Traitement en cours…', 'Processing…'),
    prefs.inserted ? bi('Ne retirez pas la carte', 'Do not remove the card', 'muted') : null,
  ]);
}

const outcomes = {
  approved: { fr: 'Accepté', en: 'Approved', icon: 'check', tone: 'ok' },
  declined: { fr: 'Refusé', en: 'Declined', icon: 'cross', tone: 'bad' },
  canceled: { fr: 'Annulé', en: 'Canceled', icon: 'ban', tone: 'neutral' },
  error: { fr: 'Erreur', en: 'Error', icon: 'alert', tone: 'warn' },
};

function renderResult(s) {
  const o = outcomes[s.outcome] || outcomes.error;
  const actions = [];
  if (prefs.inserted) {
    actions.push(
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-secondary',
          'data-action': 'remove-card',
          onclick: () => {
            if (send({ type: 'remove_card' })) {
              prefs.inserted = false;
              rerender();
            }
          },
        },
        bi('Retirer la carte', 'Remove card'),
      ),
    );
  }
  return layout(
    'result',
    { tone: o.tone },
    [
      h('div', { class: 'result-badge' }, icon(o.icon, 'result-icon')),
      title(o.fr, o.en, 'result-title'),
      s.amount !== null && s.amount !== undefined
        ? h('p', { class: 'amount amount-small', text: money(s.amount, s.currency) })
        : null,
      s.message ? h('p', { class: 'result-message', 'data-testid': 'result-message', text: s.message }) : null,
    ],
    actions,
  );
}

function renderInputs(s) {
  const input = s.inputs[s.index];
  if (!input) return renderSplash({ message: null });
  if (local.index !== s.index)
    local = { index: s.index, value: '', toggles: (input.toggles || []).map((t) => t.default_value === 'enabled') };
  const fieldId = 'input-' + s.index;
  const error = h('p', { class: 'field-error', id: fieldId + '-error', role: 'alert' });
  const toggles = () =>
    (input.toggles || []).length ? local.toggles.map((on) => (on ? 'enabled' : 'disabled')) : undefined;
  const submit = (value) => {
    const message = { type: 'submit_input', index: s.index, value, skipped: false };
    const t = toggles();
    if (t) message.toggles = t;
    send(message);
  };
  const skip = () => {
    const message = { type: 'submit_input', index: s.index, value: null, skipped: true };
    const t = toggles();
    if (t) message.toggles = t;
    send(message);
  };

  const main = [
    s.inputs.length > 1
      ? h('p', { class: 'step', text: tx('Étape', 'Step') + ' ' + (s.index + 1) + '/' + s.inputs.length })
      : null,
    h('h1', { id: 'view-title', class: 'title', tabindex: '-1', text: input.title }),
    input.description ? h('p', { class: 'muted description', id: fieldId + '-desc', text: input.description }) : null,
  ];
  let field = null;
  let collect = () => local.value;
  let validate = () => null;
  const kinds = {
    email: { type: 'email', inputmode: 'email', autocomplete: 'email', placeholder: 'nom@exemple.fr' },
    phone: { type: 'tel', inputmode: 'tel', autocomplete: 'tel', placeholder: '+33 6 12 34 56 78' },
    numeric: { type: 'text', inputmode: 'numeric', autocomplete: 'off', pattern: '[0-9]*', placeholder: '0' },
    text: { type: 'text', inputmode: 'text', autocomplete: 'off', placeholder: '' },
  };
  if (kinds[input.type]) {
    const k = kinds[input.type];
    field = h('input', {
      id: fieldId,
      class: 'field-input',
      name: 'value',
      type: k.type,
      inputmode: k.inputmode,
      autocomplete: k.autocomplete,
      pattern: k.pattern,
      placeholder: k.placeholder,
      required: input.required,
      value: local.value,
      'aria-describedby': fieldId + '-error' + (input.description ? ' ' + fieldId + '-desc' : ''),
      oninput: (e) => {
        local.value = e.target.value;
      },
    });
    main.push(h('label', { class: 'field-label sr-only', for: fieldId, text: input.title }), field, error);
    validate = (value) => {
      if (value === '') return input.required ? tx('Champ obligatoire', 'Required') : null;
      if (input.type === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value))
        return tx('Adresse e-mail invalide', 'Invalid email address');
      if (input.type === 'numeric' && !/^\d+$/.test(value)) return tx('Chiffres uniquement', 'Digits only');
      if (input.type === 'phone' && !/^\+?[0-9 -]{4,20}$/.test(value))
        return tx('Numéro invalide', 'Invalid phone number');
      return null;
    };
  } else if (input.type === 'selection') {
    const choices = input.choices || [];
    const direct = !(input.toggles && input.toggles.length);
    main.push(
      h(
        'div',
        { class: 'choices', role: 'group', 'aria-labelledby': 'view-title' },
        choices.map((c) =>
          h(
            'button',
            {
              type: 'button',
              class: 'btn choice ' + (c.style === 'primary' ? 'btn-primary' : 'btn-secondary'),
              'data-choice': c.id,
              'aria-pressed': direct ? null : String(local.value === c.id),
              onclick: () => {
                if (direct) submit(c.id);
                else {
                  local.value = c.id;
                  rerender();
                }
              },
            },
            c.text,
          ),
        ),
      ),
      error,
    );
    validate = (value) => (value === '' && input.required ? tx('Choisissez une option', 'Choose an option') : null);
  } else if (input.type === 'signature') {
    const canvas = h('canvas', {
      class: 'signature-pad',
      id: fieldId,
      'aria-label': tx('Zone de signature', 'Signature pad'),
      role: 'img',
    });
    main.push(
      h('div', { class: 'signature-wrap' }, canvas, h('span', { class: 'signature-line', 'aria-hidden': 'true' }, '✕')),
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-link',
          'data-action': 'clear-signature',
          onclick: () => {
            local.strokes = [];
            setupSignature(canvas);
          },
        },
        bi('Effacer', 'Clear'),
      ),
      error,
    );
    setTimeout(() => setupSignature(canvas), 0);
    collect = () => (local.strokes && local.strokes.length ? signatureDataUrl(local.strokes, canvas) : '');
    validate = () =>
      (!local.strokes || !local.strokes.length) && input.required ? tx('Signez dans le cadre', 'Please sign') : null;
  }
  if (input.toggles && input.toggles.length) {
    main.push(
      h(
        'div',
        { class: 'toggles' },
        input.toggles.map((t, i) => {
          const id = fieldId + '-toggle-' + i;
          return h(
            'div',
            { class: 'toggle' },
            h('input', {
              type: 'checkbox',
              role: 'switch',
              id,
              class: 'switch',
              checked: local.toggles[i],
              'aria-describedby': t.description ? id + '-desc' : null,
              onchange: (e) => {
                local.toggles[i] = e.target.checked;
              },
            }),
            h(
              'label',
              { for: id, class: 'toggle-text' },
              h('span', { class: 'toggle-title', text: t.title || '' }),
              t.description ? h('span', { class: 'toggle-desc', id: id + '-desc', text: t.description }) : null,
            ),
          );
        }),
      ),
    );
  }

  const actions = [];
  if (input.skip_button !== null && !input.required) {
    actions.push(
      h(
        'button',
        { type: 'button', class: 'btn btn-secondary', 'data-action': 'skip', onclick: skip },
        input.skip_button || tx('Passer', 'Skip'),
      ),
    );
  }
  const showSubmit = input.type !== 'selection' || (input.toggles && input.toggles.length);
  if (showSubmit) {
    actions.push(
      h(
        'button',
        { type: 'submit', class: 'btn btn-primary', 'data-action': 'submit' },
        input.submit_button || tx('Valider', 'Submit'),
      ),
    );
  }
  const onsubmit = (e) => {
    e.preventDefault();
    const value = collect();
    const problem = validate(value);
    if (problem) {
      error.textContent = problem;
      if (field) {
        field.setAttribute('aria-invalid', 'true');
        field.focus();
      }
      return;
    }
    submit(value === '' ? null : value);
  };
  return h(
    'form',
    { class: 'view view-inputs', novalidate: true, onsubmit, 'aria-labelledby': 'view-title' },
    h('div', { class: 'view-main' }, main),
    actions.length ? h('div', { class: 'actions' }, actions) : null,
  );
}

/** A signature pad: pointer strokes on a canvas sized to its box (and the screen's pixel ratio). */
function setupSignature(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const box = canvas.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(box.width * ratio));
  canvas.height = Math.max(1, Math.round(box.height * ratio));
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  ctx.lineWidth = 2.6;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.strokeStyle = '#14122b';
  if (canvas.dataset.ready) return;
  canvas.dataset.ready = '1';
  let drawing = false;
  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    const [x, y] = point(e);
    const c = canvas.getContext('2d');
    c.beginPath();
    c.moveTo(x, y);
    c.lineTo(x + 0.1, y + 0.1);
    c.stroke();
    if (!local.strokes) local.strokes = [];
    local.strokes.push([[x, y]]);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const [x, y] = point(e);
    const c = canvas.getContext('2d');
    c.lineTo(x, y);
    c.stroke();
    local.strokes[local.strokes.length - 1].push([x, y]);
  });
  const end = () => {
    drawing = false;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
}

/**
 * The signature as a small SVG data URL (vector strokes, a few kB): readers cap an input value at
 * 5,000 characters, which a PNG of the pad would exceed. Points closer than `step` px are dropped,
 * and `step` grows until the image fits.
 */
function signatureDataUrl(strokes, canvas) {
  const width = Math.round(canvas.clientWidth);
  const height = Math.round(canvas.clientHeight);
  for (let step = 1.5; ; step *= 1.5) {
    let d = '';
    for (const stroke of strokes) {
      let [px, py] = stroke[0].map(Math.round);
      d += 'M' + px + ' ' + py + 'l0 0';
      for (const [x, y] of stroke.slice(1)) {
        const rx = Math.round(x);
        const ry = Math.round(y);
        if (Math.hypot(rx - px, ry - py) < step) continue;
        d += ' ' + (rx - px) + ' ' + (ry - py);
        px = rx;
        py = ry;
      }
    }
    const svgText =
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' +
      width +
      ' ' +
      height +
      '" width="' +
      width +
      '" height="' +
      height +
      '"><path d="' +
      d +
      '" fill="none" stroke="#000" stroke-width="2.6" stroke-linecap="round" ' +
      'stroke-linejoin="round"/></svg>';
    const url = 'data:image/svg+xml;base64,' + window.btoa(svgText);
    if (url.length <= 4800 || step > 60) return url;
  }
}

function renderOffline() {
  return layout('offline', { tone: 'neutral' }, [
    h('div', { class: 'result-badge' }, icon('offline', 'result-icon')),
    title('Lecteur hors ligne', 'Reader offline'),
    bi('En attente de connexion au serveur…', 'Waiting for the reader to reconnect…', 'muted'),
  ]);
}

function renderMessage(fr, en, detail) {
  return layout('message', { tone: 'neutral' }, [
    h('div', { class: 'result-badge' }, icon('alert', 'result-icon')),
    title(fr, en),
    detail ? h('p', { class: 'muted', text: detail }) : null,
  ]);
}

const renderers = {
  splash: renderSplash,
  cart: renderCart,
  collect: renderCollect,
  tip: renderTip,
  pin: renderPin,
  processing: renderProcessing,
  result: renderResult,
  inputs: renderInputs,
  offline: renderOffline,
};

const announcements = {
  splash: () => tx('Lecteur prêt', 'Reader ready'),
  cart: (s) => 'Total ' + money(s.cart.total, s.cart.currency),
  collect: (s) =>
    money(s.amount, s.currency) + ' — ' + tx('Présentez, insérez ou glissez la carte', 'Tap, insert or swipe'),
  tip: () => tx('Ajouter un pourboire ?', 'Add a tip?'),
  pin: (s) =>
    tx('Saisissez votre code', 'Enter your PIN') +
    ', ' +
    tx('Essais restants :', 'Attempts left:') +
    ' ' +
    s.attempts_left,
  processing: () => tx('Traitement en cours', 'Processing'),
  result: (s) =>
    tx((outcomes[s.outcome] || outcomes.error).fr, (outcomes[s.outcome] || outcomes.error).en) +
    (s.message ? ' — ' + s.message : ''),
  inputs: (s) => (s.inputs[s.index] ? s.inputs[s.index].title : ''),
  offline: () => tx('Lecteur hors ligne', 'Reader offline'),
};

function rerender(focusTitle) {
  if (!state) return;
  const render = renderers[state.screen];
  const view = render ? render(state) : renderMessage('Écran inconnu', 'Unknown screen', String(state.screen));
  const active = document.activeElement;
  const activeKey = active && screenEl.contains(active) ? keyOf(active) : null;
  screenEl.replaceChildren(view);
  fitCardMarks(screenEl);
  screenEl.setAttribute('aria-busy', 'false');
  document.body.dataset.screen = state.screen;
  applyPending();
  // Keep the keyboard focus where it was (a re-render replaces the elements).
  const again = activeKey ? screenEl.querySelector(activeKey) : null;
  if (again) again.focus();
  else if (focusTitle) {
    const heading = document.getElementById('view-title');
    if (heading) heading.focus({ preventScroll: true });
  }
}

/**
 * A brand name on a card art must fit on its one line whatever font the device has (the widths of
 * fallback fonts differ by a third): shrink the ones that overflow to fit. Again when fonts load.
 */
function fitCardMarks(root) {
  for (const mark of root.querySelectorAll('.card-mark')) {
    mark.style.fontSize = '';
    if (mark.clientWidth > 0 && mark.scrollWidth > mark.clientWidth) {
      const size = parseFloat(window.getComputedStyle(mark).fontSize);
      mark.style.fontSize = Math.floor(size * (mark.clientWidth / mark.scrollWidth) * 100) / 100 + 'px';
    }
  }
}
if (document.fonts) document.fonts.addEventListener('loadingdone', () => fitCardMarks(screenEl));

function keyOf(el) {
  for (const attr of [
    'id',
    'data-key',
    'data-card',
    'data-read-method',
    'data-tab',
    'data-action',
    'data-choice',
    'data-tip',
    'data-wallet',
  ]) {
    const value = el.getAttribute(attr);
    if (value) return '[' + attr + '="' + value.replace(/["\\]/g, '\\$&') + '"]';
  }
  return null;
}

function showState(next) {
  const previous = state;
  const json = JSON.stringify(next);
  // The same screen again (a newer seq): the device has answered, nothing to redraw.
  if (json === stateJson) {
    setPending(false);
    return;
  }
  stateJson = json;
  state = next;
  const changedScreen = !previous || previous.screen !== next.screen;
  // Local input belongs to one screen: a new screen (or a new PIN attempt) starts afresh.
  if (changedScreen || (next.screen === 'pin' && previous.attempts_left !== next.attempts_left)) local = {};
  if (changedScreen && next.screen === 'splash') prefs.inserted = false;
  if (next.screen === 'pin' && previous && previous.screen === 'pin' && previous.attempts_left !== next.attempts_left) {
    toast(tx('Code incorrect', 'Incorrect PIN'));
  }
  setPending(false);
  rerender(changedScreen);
  if (changedScreen || next.screen === 'result' || next.screen === 'inputs') {
    const say = announcements[next.screen];
    if (say) announce(say(next));
  }
}

// Physical keyboard on the PIN pad (desktop).
document.addEventListener('keydown', (e) => {
  if (!state || state.screen !== 'pin' || pending) return;
  if (e.target && e.target.tagName === 'INPUT') return;
  let key = null;
  if (/^[0-9]$/.test(e.key)) key = e.key;
  else if (e.key === 'Backspace') key = 'clear';
  else if (e.key === 'Enter') key = 'ok';
  else if (e.key === 'Escape' && state.cancelable) {
    e.preventDefault();
    send({ type: 'cancel' });
    return;
  }
  if (key) {
    const button = screenEl.querySelector('[data-key="' + key + '"]');
    if (button && !button.disabled) {
      e.preventDefault();
      button.click();
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Connection

let socket = null;
let attempts = 0;
let everOpened = false;
let retryTimer = null;

function setConnection(kind) {
  document.body.dataset.connection = kind;
  connEl.dataset.state = kind;
  connTextEl.textContent =
    {
      connecting: tx('Connexion…', 'Connecting…'),
      online: tx('Connecté', 'Connected'),
      reconnecting: tx('Reconnexion…', 'Reconnecting…'),
      failed: tx('Déconnecté', 'Disconnected'),
    }[kind] || kind;
  document.body.classList.toggle('stale', kind !== 'online' && state !== null);
}

function handleMessage(message) {
  if (!message || typeof message !== 'object') return;
  if (message.type === 'screen') {
    if (typeof message.seq === 'number') {
      if (message.seq <= lastSeq) return;
      lastSeq = message.seq;
      document.body.dataset.seq = String(message.seq);
    }
    if (message.reader && typeof message.reader === 'object') {
      reader = message.reader;
      if (setLanguage(reader.language, reader.country)) setConnection(document.body.dataset.connection || 'online');
      labelEl.textContent = reader.label || reader.id;
      document.title = (reader.label || reader.id) + ' — OpenTill';
    }
    if (message.state && typeof message.state.screen === 'string') showState(message.state);
  } else if (message.type === 'input_rejected') {
    setPending(false);
    if (state && state.screen === 'pin') {
      local.pin = '';
      rerender();
    }
    toast(tx('Action refusée', 'Not accepted') + (lang === 'fr' ? ' : ' : ': ') + String(message.reason || ''));
  }
}

function connect() {
  clearTimeout(retryTimer);
  setConnection(everOpened ? 'reconnecting' : 'connecting');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(
    scheme + '//' + location.host + '/opentill/v1/screen/connect?token=' + encodeURIComponent(token),
  );
  socket = ws;
  ws.addEventListener('open', () => {
    attempts = 0;
    everOpened = true;
    // Sequence numbers are per connection: a resumed connection starts over with the current screen.
    lastSeq = -1;
    setConnection('online');
  });
  ws.addEventListener('message', (event) => {
    let message;
    try {
      message = JSON.parse(String(event.data));
    } catch {
      return;
    }
    handleMessage(message);
  });
  ws.addEventListener('close', (event) => {
    if (socket !== ws) return;
    socket = null;
    setPending(false);
    attempts += 1;
    if (!everOpened && attempts >= 3) {
      setConnection('failed');
      if (!state) {
        screenEl.replaceChildren(
          renderMessage(
            'Connexion impossible',
            'Cannot connect',
            tx(
              'La session a peut-être expiré : ouvrez un nouveau lien.',
              'The session may have expired: open a new link.',
            ) + (event.code ? ' (' + event.code + ')' : ''),
          ),
        );
        document.body.dataset.screen = 'error';
      }
    } else if (everOpened && attempts >= 4) {
      // Screen session tokens expire: after a while a reconnect needs a new link.
      setConnection('reconnecting');
      connTextEl.textContent = tx('Reconnexion… (lien expiré ?)', 'Reconnecting… (link expired?)');
    } else {
      setConnection(everOpened ? 'reconnecting' : 'connecting');
    }
    // Back off: 0.5 s, 1 s, 2 s … up to 10 s, forever (a restarted server comes back).
    const delay = Math.min(10000, 500 * Math.pow(2, Math.min(attempts - 1, 5)));
    retryTimer = setTimeout(connect, delay);
  });
}

if (!token) {
  setConnection('failed');
  screenEl.replaceChildren(
    renderMessage(
      'Session manquante',
      'Missing session',
      tx('Ouvrez l’URL renvoyée par', 'Open the URL returned by') +
        ' POST /opentill/v1/terminal/readers/' +
        readerId +
        '/screen_sessions.',
    ),
  );
  screenEl.setAttribute('aria-busy', 'false');
  document.body.dataset.screen = 'error';
} else {
  connect();
}
