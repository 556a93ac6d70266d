/**
 * The renderer's entry: picks the bridge for where it runs (Electron's preload or
 * the web mode's WebSocket) and the view for the page's address (the chat window,
 * or quick ask on `/quick`), and mounts it.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { selectBridge } from './bridge/bridge-client.js';
import { App } from './components/App.js';
import { viewRouteFor } from './model/view-route.js';
import { openChatWith, openLinkWith } from './quick-ask/open-chat.js';
import { QuickAsk } from './quick-ask/QuickAsk.js';
import './styles.css';
import './sessions.css';
import './quick-ask/quick-ask.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
const client = selectBridge();
createRoot(root).render(<StrictMode>{viewRouteFor(window.location.pathname) === 'quick-ask' ? <QuickAsk client={client} onOpenChat={openChatWith(client)} onOpenLink={openLinkWith(client)} /> : <App client={client} />}</StrictMode>);
