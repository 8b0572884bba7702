/** An honest page for what is not built yet: which issue brings it. */
export function Placeholder({ title, message }: { title: string; message: string }) {
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page__header">
        <h1 id="page-title">{title}</h1>
      </header>
      <div className="placeholder" data-testid="placeholder">
        <p>{message}</p>
      </div>
    </section>
  );
}
