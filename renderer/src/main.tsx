/**
 * The renderer's entry: picks the bridge for where it runs (Electron's preload or
 * the web mode's WebSocket) and mounts the app.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { selectBridge } from './bridge/bridge-client.js';
import { App } from './components/App.js';
import './styles.css';
import './sessions.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App client={selectBridge()} />
  </StrictMode>,
);
