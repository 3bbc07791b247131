// The composition root lives in the engine (engine/compose.ts); kept here so existing imports keep working.
export { createServices, type Services } from '@opentill/engine';
