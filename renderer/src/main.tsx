import './zod-without-eval.js';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ServicesProvider, type AppServices } from './app-context.js';
import { App } from './App.js';
import { createCamerasStore } from './store/cameras-store.js';
import { createHealthStore } from './store/health-store.js';
import { createStorageStore } from './store/storage-store.js';
import { createDefaultTransport } from './transport/index.js';

const transport = createDefaultTransport();
const services: AppServices = {
  transport,
  cameras: createCamerasStore(transport),
  health: createHealthStore(transport),
  storage: createStorageStore(transport),
};

const root = document.getElementById('root');
if (root === null) throw new Error('index.html lacks the #root element.');
createRoot(root).render(
  <StrictMode>
    <ServicesProvider services={services}>
      <App />
    </ServicesProvider>
  </StrictMode>,
);
