/**
 * Every ```python block of the seed (shared/seeds/stripe-terminal-docs-fr.md), verbatim, each text
 * once with the seed lines where it appears. `api` blocks call Stripe and are run through Debian's
 * python3-stripe by seed-python.test.ts; `requirements` (a pip line) and `flask-template` (a Flask
 * route around `token = # ...`, not valid Python by design) are not programs.
 */
export interface SeedPythonBlock {
  /** 1-based lines of the seed where the block's opening fence is. */
  lines: number[];
  kind: 'api' | 'requirements' | 'flask-template';
  code: string;
}

/** Python blocks in the seed, counting repeats. */
export const seedPythonBlockCount = 35;

export const seedPythonBlocks: SeedPythonBlock[] = [
  {
    lines: [583],
    kind: 'requirements',
    code: '# Find the version you want to pin:\n# https://github.com/stripe/stripe-python/blob/master/CHANGELOG.md\n# Specify that version in your requirements.txt file\nstripe>=5.0.0\n',
  },
  {
    lines: [698, 1103, 1715, 2418],
    kind: 'api',
    code: "# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nstripe.api_key = '<<YOUR_SECRET_KEY>>'\n\n# In a new endpoint on your server, create a ConnectionToken and return the\n# `secret` to your app. The SDK needs the `secret` to connect to a reader.\nconnection_token = stripe.terminal.ConnectionToken.create()\n",
  },
  {
    lines: [794, 1199, 1811, 2514],
    kind: 'flask-template',
    code: "from flask import jsonify\n\n@app.route('/connection_token', methods=['POST'])\ndef token():\n  token = # ... Create or retrieve the ConnectionToken\n  return jsonify(secret=token.secret)\n",
  },
  {
    lines: [2805],
    kind: 'api',
    code: '# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nclient = StripeClient("<<YOUR_SECRET_KEY>>")\n\n# For SDK versions 12.4.0 or lower, remove \'.v1\' from the following line.\npayment_intent = client.v1.payment_intents.create({\n  "currency": "eur",\n  "payment_method_types": ["card_present"],\n  "capture_method": "manual",\n  "amount": 1000,\n})\n',
  },
  {
    lines: [2924, 3718, 4098, 4210],
    kind: 'api',
    code: '# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nclient = StripeClient("<<YOUR_SECRET_KEY>>")\n\n# For SDK versions 12.4.0 or lower, remove \'.v1\' from the following line.\nreader = client.v1.terminal.readers.process_payment_intent(\n  "tmr_xxx",\n  {"payment_intent": "pi_xxx"},\n)\n',
  },
  {
    lines: [3016, 3616],
    kind: 'api',
    code: '# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nclient = StripeClient("<<YOUR_SECRET_KEY>>")\n\n# For SDK versions 12.4.0 or lower, remove \'.v1\' from the following line.\nreader = client.v1.terminal.readers.retrieve("tmr_xxx")\n',
  },
  {
    lines: [3118],
    kind: 'api',
    code: '# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nclient = StripeClient("<<YOUR_SECRET_KEY>>")\n\n# For SDK versions 12.4.0 or lower, remove \'.v1\' from the following line.\nreader = client.v1.terminal.readers.collect_payment_method(\n  "tmr_xxx",\n  {"payment_intent": "pi_xxx"},\n)\n',
  },
  {
    lines: [3227],
    kind: 'api',
    code: '# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nclient = StripeClient("<<YOUR_SECRET_KEY>>")\n\n# For SDK versions 12.4.0 or lower, remove \'.v1\' from the following line.\nreader = client.v1.terminal.readers.confirm_payment_intent(\n  "tmr_xxx",\n  {"payment_intent": "pi_xxx"},\n)\n',
  },
  {
    lines: [3323],
    kind: 'api',
    code: '# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nclient = StripeClient("<<YOUR_SECRET_KEY>>")\n\n# For SDK versions 12.4.0 or lower, remove \'.v1\' from the following line.\npayment_intent = client.v1.payment_intents.capture("pi_xxx")\n',
  },
  {
    lines: [3428],
    kind: 'api',
    code: '# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nclient = StripeClient("<<YOUR_SECRET_KEY>>")\n\n# For SDK versions 12.4.0 or lower, remove \'.v1\' from the following line.\nwebhook_endpoint = client.v1.webhook_endpoints.create({\n  "enabled_events": ["terminal.reader.action_succeeded", "terminal.reader.action_failed"],\n  "url": "https://example.com/my/webhook/endpoint",\n})\n',
  },
  {
    lines: [3541],
    kind: 'api',
    code: '# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nclient = StripeClient("<<YOUR_SECRET_KEY>>")\n\n# For SDK versions 12.4.0 or lower, remove \'.v1\' from the following line.\npayment_intent = client.v1.payment_intents.retrieve("{{PAYMENTINTENT_ID}}")\n',
  },
  {
    lines: [3873],
    kind: 'api',
    code: '# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nclient = StripeClient("<<YOUR_SECRET_KEY>>")\n\n# For SDK versions 12.4.0 or lower, remove \'.v1\' from the following line.\nreader = client.v1.terminal.readers.cancel_action("tmr_xxx")\n',
  },
  {
    lines: [3963],
    kind: 'api',
    code: '# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nclient = StripeClient("<<YOUR_SECRET_KEY>>")\n\n# For SDK versions 12.4.0 or lower, remove \'.v1\' from the following line.\nreader = client.v1.terminal.readers.process_payment_intent(\n  "tmr_xxx",\n  {"payment_intent": "pi_xxx", "process_config": {"enable_customer_cancellation": True}},\n)\n',
  },
  {
    lines: [4396, 5006, 6202, 7195],
    kind: 'api',
    code: "# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nstripe.api_key = '<<YOUR_SECRET_KEY>>'\n\nstripe.PaymentIntent.create(\n  amount=1000,\n  currency='eur',\n  payment_method_types=['card_present'],\n  capture_method='manual',\n)\n",
  },
  {
    lines: [4523, 5133, 6329, 7322],
    kind: 'flask-template',
    code: "from flask import jsonify\n\n@app.route('/create_payment_intent', methods=['POST'])\ndef secret():\n  intent = # ... Create or retrieve the PaymentIntent\n  return jsonify(client_secret=intent.client_secret)\n",
  },
  {
    lines: [4799, 6007, 7037, 7626],
    kind: 'api',
    code: '# Set your secret key. Remember to switch to your live secret key in production.\n# See your keys here: https://dashboard.stripe.com/apikeys\nclient = StripeClient("<<YOUR_SECRET_KEY>>")\n\n# For SDK versions 12.4.0 or lower, remove \'.v1\' from the following line.\npayment_intent = client.v1.payment_intents.capture("{{PAYMENT_INTENT_ID}}")\n',
  },
];
