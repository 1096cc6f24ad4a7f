import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { createAppRouter } from './router'
import { installSession } from './stores/session'
import './styles/main.css'

const app = createApp(App)
app.use(createPinia())
installSession()
app.use(createAppRouter())
app.mount('#app')
