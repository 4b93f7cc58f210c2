import { createRoot } from 'react-dom/client';
import { CameraApp } from './camera/CameraApp';
import { DirectorApp } from './director/DirectorApp';
import { WatchApp } from './watch/WatchApp';
import './styles.css';

// One bundle, a page per role: the path says which.
function App() {
  const path = window.location.pathname;
  if (path.startsWith('/camera')) return <CameraApp />;
  if (path.startsWith('/watch')) return <WatchApp />;
  return <DirectorApp />;
}

createRoot(document.getElementById('root')!).render(<App />);
