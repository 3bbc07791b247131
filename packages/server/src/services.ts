import { Engine, PaymentIntents, PaymentMethods, Refunds, Scheduler, type EngineDeps } from '@opentill/engine';

/** The engine and its resource services, built once per server. */
export interface Services {
  engine: Engine;
  paymentIntents: PaymentIntents;
  paymentMethods: PaymentMethods;
  refunds: Refunds;
  scheduler: Scheduler;
}

export function createServices(deps: EngineDeps): Services {
  const engine = new Engine(deps);
  const paymentIntents = new PaymentIntents(engine);
  const refunds = new Refunds(engine);
  return {
    engine,
    paymentIntents,
    paymentMethods: new PaymentMethods(engine),
    refunds,
    scheduler: new Scheduler(engine, paymentIntents, refunds),
  };
}
