/**
 * The same calls as each official Stripe library puts them on the wire, written down from the
 * library's own encoder (cited per library) since only Python runs on this machine. The Python
 * bodies are checked against python3-stripe 5.0.0's encoder itself (seed-python.test.ts).
 *
 * The calls, in each library's idiom:
 * - `create`: a PaymentIntent, amount 1000 eur, manual capture, `payment_method_types: ['card_present']`,
 *   description `Café crème` (non-ASCII, a space), metadata `{order_id: '6735', note: 'two words'}`,
 *   `payment_method_options.card_present.request_incremental_authorization_support: true`;
 * - `update`: unsets the `note` metadata key and the description with empty strings (each library's
 *   documented way: `""`, `nil`, `null`, `EmptyParam.EMPTY`), adds metadata `lane: '3'`;
 * - `unsetMetadata`: `metadata` itself emptied (not expressible in .NET: null there);
 * - `process`: `process_payment_intent` with `process_config.enable_customer_cancellation: true` and
 *   `skip_tipping: false`;
 * - `list`: the query string of a PaymentIntent list with `limit: 3` and `expand: ['data.latest_charge']`.
 * `{pi}` stands for the PaymentIntent's id.
 */
export interface LibraryBodies {
  library: string;
  /** Where the encoding comes from. */
  encoder: string;
  create: string;
  update: string;
  unsetMetadata: string | null;
  process: string;
  list: string;
}

export const libraryBodies: LibraryBodies[] = [
  {
    // `_api_encode` yields `key[i]` and `key[sub]` pairs; `urllib.parse.urlencode` escapes the
    // brackets and spaces (`quote_plus`); `str(True)` is `True`.
    library: 'stripe-python 5.0.0 (Debian python3-stripe)',
    encoder: 'stripe/api_requestor.py: _api_encode, _encode_nested_dict, urlencode',
    create:
      'amount=1000&currency=eur&capture_method=manual&payment_method_types%5B0%5D=card_present' +
      '&description=Caf%C3%A9+cr%C3%A8me&metadata%5Border_id%5D=6735&metadata%5Bnote%5D=two+words' +
      '&payment_method_options%5Bcard_present%5D%5Brequest_incremental_authorization_support%5D=True',
    update: 'metadata%5Bnote%5D=&metadata%5Blane%5D=3&description=',
    unsetMetadata: 'metadata=',
    process:
      'payment_intent={pi}&process_config%5Benable_customer_cancellation%5D=True&process_config%5Bskip_tipping%5D=False',
    list: 'limit=3&expand%5B0%5D=data.latest_charge',
  },
  {
    // `Util.flatten_params` / `flatten_params_array` (indexed), `CGI.escape` then `%5B`/`%5D` back to
    // brackets; `true.to_s`; `nil.to_s` is empty.
    library: 'stripe-ruby',
    encoder: 'lib/stripe/util.rb: Util.encode_parameters, flatten_params, url_encode',
    create:
      'amount=1000&currency=eur&capture_method=manual&payment_method_types[0]=card_present' +
      '&description=Caf%C3%A9+cr%C3%A8me&metadata[order_id]=6735&metadata[note]=two+words' +
      '&payment_method_options[card_present][request_incremental_authorization_support]=true',
    update: 'metadata[note]=&metadata[lane]=3&description=',
    unsetMetadata: 'metadata=',
    process: 'payment_intent={pi}&process_config[enable_customer_cancellation]=true&process_config[skip_tipping]=false',
    list: 'limit=3&expand[0]=data.latest_charge',
  },
  {
    // `ApiRequestor::_encodeObjects` turns booleans into `'true'`/`'false'`; `Util::encodeParameters`
    // flattens lists with indexes and `urlencode`s, brackets restored.
    library: 'stripe-php',
    encoder: 'lib/ApiRequestor.php: _encodeObjects; lib/Util/Util.php: encodeParameters, flattenParams, urlEncode',
    create:
      'amount=1000&currency=eur&capture_method=manual&payment_method_types[0]=card_present' +
      '&description=Caf%C3%A9+cr%C3%A8me&metadata[order_id]=6735&metadata[note]=two+words' +
      '&payment_method_options[card_present][request_incremental_authorization_support]=true',
    update: 'metadata[note]=&metadata[lane]=3&description=',
    unsetMetadata: 'metadata=',
    process: 'payment_intent={pi}&process_config[enable_customer_cancellation]=true&process_config[skip_tipping]=false',
    list: 'limit=3&expand[0]=data.latest_charge',
  },
  {
    // `FormEncoder.flattenParams` (`key[i]`, a null value and `EmptyParam.EMPTY` → empty string),
    // `URLEncoder` with brackets restored; `Boolean.toString()`; builder params come out by field name.
    library: 'stripe-java',
    encoder:
      'src/main/java/com/stripe/net/FormEncoder.java: flattenParamsValue, flattenParamsCollection; StringUtils.urlEncode',
    create:
      'amount=1000&capture_method=manual&currency=eur&description=Caf%C3%A9+cr%C3%A8me' +
      '&metadata[note]=two+words&metadata[order_id]=6735' +
      '&payment_method_options[card_present][request_incremental_authorization_support]=true' +
      '&payment_method_types[0]=card_present',
    update: 'description=&metadata[lane]=3&metadata[note]=',
    unsetMetadata: 'metadata=',
    process: 'payment_intent={pi}&process_config[enable_customer_cancellation]=true&process_config[skip_tipping]=false',
    list: 'expand[0]=data.latest_charge&limit=3',
  },
  {
    // `form.AppendTo` walks the params struct in field order (`key[i]` for slices, sorted metadata
    // keys), `strconv.FormatBool`; `Values.Encode` query-escapes with brackets restored.
    library: 'stripe-go',
    encoder: 'form/form.go: AppendTo, Values.Encode',
    create:
      'amount=1000&capture_method=manual&currency=eur&description=Caf%C3%A9+cr%C3%A8me' +
      '&payment_method_options[card_present][request_incremental_authorization_support]=true' +
      '&payment_method_types[0]=card_present&metadata[note]=two+words&metadata[order_id]=6735',
    update: 'description=&metadata[lane]=3&metadata[note]=',
    unsetMetadata: 'metadata=',
    process: 'payment_intent={pi}&process_config[enable_customer_cancellation]=true&process_config[skip_tipping]=false',
    list: 'expand[0]=data.latest_charge&limit=3',
  },
  {
    // `FormEncoder.FlattenParamsValue`: `string.Format("{0}", true)` is `True`, lists `key[i]`, a null
    // dictionary value → empty string; bodies go through `FormUrlEncodedContent` (brackets escaped,
    // `+` for spaces), query strings through `UrlEncode` (brackets restored).
    library: 'stripe-dotnet',
    encoder:
      'src/Stripe.net/Infrastructure/FormEncoding/FormEncoder.cs: CreateHttpContent, FlattenParamsValue, CreateQueryString',
    create:
      'amount=1000&capture_method=manual&currency=eur&description=Caf%C3%A9+cr%C3%A8me' +
      '&metadata%5Bnote%5D=two+words&metadata%5Border_id%5D=6735' +
      '&payment_method_options%5Bcard_present%5D%5Brequest_incremental_authorization_support%5D=True' +
      '&payment_method_types%5B0%5D=card_present',
    update: 'description=&metadata%5Blane%5D=3&metadata%5Bnote%5D=',
    unsetMetadata: null,
    process:
      'payment_intent={pi}&process_config%5Benable_customer_cancellation%5D=True&process_config%5Bskip_tipping%5D=False',
    list: 'expand[0]=data.latest_charge&limit=3',
  },
  {
    // Older versions of the Ruby and PHP libraries sent arrays of scalars without indexes (`a[]=x`),
    // as Rack and PHP read them; OpenTill reads them as Stripe does.
    library: 'unindexed arrays (older stripe-ruby and stripe-php)',
    encoder: 'flatten_params_array with "#{calculated_key}[]"',
    create:
      'amount=1000&currency=eur&capture_method=manual&payment_method_types[]=card_present' +
      '&description=Caf%C3%A9+cr%C3%A8me&metadata[order_id]=6735&metadata[note]=two+words' +
      '&payment_method_options[card_present][request_incremental_authorization_support]=true',
    update: 'metadata[note]=&metadata[lane]=3&description=',
    unsetMetadata: 'metadata=',
    process: 'payment_intent={pi}&process_config[enable_customer_cancellation]=true&process_config[skip_tipping]=false',
    list: 'limit=3&expand[]=data.latest_charge',
  },
];
