/**
 * `@opentill/terminal-sdk/react`: the React Native SDK's React surface (`StripeTerminalProvider`,
 * `useStripeTerminal`, `withStripeTerminal`; vendored types in compat/react-native/index.d.ts) over OpenTill's
 * mobile SDK. Works with React 18+ (react-dom, React Native, react-test-renderer); written with
 * `React.createElement`, so no JSX build step is needed.
 *
 *   <StripeTerminalProvider tokenProvider={fetchToken} apiBase={url} device={facts} installationId="pos-7">
 *     <App />   // const { initialize, discoverReaders, connectReader, … } = useStripeTerminal({ onDidChangeConnectionStatus })
 *   </StripeTerminalProvider>
 */
export { StripeTerminalProvider, type StripeTerminalProviderProps, type LogLevel } from './provider.js';
export {
  useStripeTerminal,
  withStripeTerminal,
  notInitializedMessage,
  type StripeTerminalHook,
} from './use-stripe-terminal.js';
export type { MobileTerminalLike, TerminalMethodName } from './terminal-like.js';
export type * from '../mobile/types.js';
export type * from '../mobile/rn-types.js';
export {
  CollectDataType,
  ErrorCode,
  FormType,
  SelectionButtonStyle,
  ToggleResult,
  ToggleValue,
} from '../mobile/index.js';
